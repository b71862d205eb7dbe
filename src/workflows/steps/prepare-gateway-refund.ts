import { MathBN, Modules } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import { updatePaymentData } from "./payment-data"
import { SESSION_KEYS } from "../../providers/base/session-data"

/**
 * A refund the gateway reports (made there, or the echo of one made from
 * Medusa). The notification carries the total refunded so far, so what is
 * still missing in Medusa is that total minus the refunds the payment already
 * has. Returns the amount to record (null: nothing new) after handing the
 * sealed notification to the provider through the payment data, so that its
 * refundPayment records the refund without calling the gateway again.
 */
export const prepareGatewayRefundStep = createStep(
  "prepare-gateway-refund",
  async (input: { session_id: string; confirmation: Record<string, unknown> }, { container }) => {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    const [payment] = await paymentModule.listPayments(
      { payment_session_id: input.session_id },
      { select: ["id", "data", "currency_code"], relations: ["refunds"] }
    )
    if (!payment) {
      return new StepResponse(null)
    }
    const refunded = (payment.refunds ?? []).reduce(
      (sum, refund) => MathBN.add(sum, refund.raw_amount ?? refund.amount),
      MathBN.convert(0)
    )
    const missing = MathBN.sub(String(input.confirmation.amount), refunded)
    if (missing.lte(0)) {
      return new StepResponse(null)
    }
    await updatePaymentData(paymentModule, payment.id, { ...payment.data, [SESSION_KEYS.externalRefund]: input.confirmation })
    return new StepResponse({ payment_id: payment.id, amount: missing.toString() })
  }
)
