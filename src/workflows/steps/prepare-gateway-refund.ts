import { refundPaymentWorkflow } from "@medusajs/medusa/core-flows"
import { MathBN, Modules } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import { withPaymentLock } from "../../gateway-events/payment-lock"
import { updatePaymentData } from "./payment-data"
import { SESSION_KEYS } from "../../providers/base/session-data"

/**
 * A refund the gateway reports (made there, or the echo of one made from
 * Medusa). The notification carries the total refunded so far, so what is
 * still missing in Medusa is that total minus the refunds the payment already
 * has. That is recorded through Medusa's refund, after handing the sealed
 * notification to the provider through the payment data, so that its
 * refundPayment records the refund without calling the gateway again; all of
 * it under the payment's lock, which every refund of the payment takes, so
 * no other refund can take the notification for its own. Returns the amount
 * recorded (null: nothing new).
 */
export const prepareGatewayRefundStep = createStep(
  "prepare-gateway-refund",
  async (input: { session_id: string; confirmation: Record<string, unknown> }, { container }) => {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    const [found] = await paymentModule.listPayments({ payment_session_id: input.session_id }, { select: ["id"] })
    if (!found) {
      return new StepResponse(null)
    }
    const recorded = await withPaymentLock(container, found.id, async () => {
      const payment = await paymentModule.retrievePayment(found.id, { select: ["id", "data", "currency_code"], relations: ["refunds"] })
      const refunded = (payment.refunds ?? []).reduce(
        (sum, refund) => MathBN.add(sum, refund.raw_amount ?? refund.amount),
        MathBN.convert(0)
      )
      const missing = MathBN.sub(String(input.confirmation.amount), refunded)
      if (missing.lte(0)) return null
      await updatePaymentData(paymentModule, payment.id, { ...payment.data, [SESSION_KEYS.externalRefund]: input.confirmation })
      await refundPaymentWorkflow(container).run({
        input: { payment_id: payment.id, amount: missing.toString(), note: "Refunded at the payment gateway" },
      })
      return { payment_id: payment.id, amount: missing.toString() }
    })
    return new StepResponse(recorded)
  }
)
