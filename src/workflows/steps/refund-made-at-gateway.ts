import { MedusaError, Modules } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import { SESSION_KEYS } from "../../providers/base/session-data"

/**
 * Medusa's refund of the payment, which the provider records from the marker
 * without calling the gateway. Unlike Medusa's refundPaymentsStep, which logs
 * a refused refund and goes on, a refusal ("cannot refund more than what is
 * captured") fails the run and reaches the operator. The marker must have
 * been taken by exactly this refund: any other outcome fails too.
 */
export const refundMadeAtGatewayStep = createStep(
  "refund-made-at-gateway",
  async (
    input: { payment_id: string; amount: string; marker_id: string; refund_ids: string[]; note: string; created_by?: string },
    { container }
  ) => {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    const payment = await paymentModule.refundPayment({
      payment_id: input.payment_id,
      amount: input.amount,
      note: input.note,
      created_by: input.created_by,
    })
    const created = (payment.refunds ?? []).filter((refund) => !input.refund_ids.includes(refund.id)).map((refund) => refund.id)
    const { data } = await paymentModule.retrievePayment(input.payment_id, { select: ["id", "data"] })
    const recorded = ((data?.[SESSION_KEYS.refunds] as Array<{ id?: string; shop_refund_id?: string }> | undefined) ?? []).find(
      (entry) => entry.id === input.marker_id
    )
    if (!recorded?.shop_refund_id || !created.includes(recorded.shop_refund_id)) {
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `The refund made at the gateway on payment ${input.payment_id} was not recorded by its own refund; check the payment's refunds.`
      )
    }
    return new StepResponse({ payment_id: input.payment_id, refund_id: recorded.shop_refund_id })
  }
)
