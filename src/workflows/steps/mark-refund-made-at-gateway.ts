import { randomUUID } from "node:crypto"
import { MathBN, MedusaError, Modules } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import { toGatewayAmount } from "../../lib/money"
import { RefundMadeAtGateway, SESSION_KEYS } from "../../providers/base/session-data"
import { updatePaymentData } from "./payment-data"

export type RefundMadeAtGatewayInput = { payment_id: string; amount: number; note?: string; recorded_by?: string }

/**
 * Checks that a refund the operator made in the gateway's dashboard can be
 * recorded on this gateway payment (captured, not more than what is left)
 * and leaves it in the payment data, where the provider's refundPayment
 * records it without calling the gateway. Compensation takes it out again.
 * The caller holds the payment's lock (`withPaymentLock`): no other refund
 * of the payment can run between the marker and the refund it belongs to.
 */
export const markRefundMadeAtGatewayStep = createStep(
  "mark-refund-made-at-gateway",
  async (input: RefundMadeAtGatewayInput, { container }) => {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    const payment = await paymentModule.retrievePayment(input.payment_id, {
      select: ["id", "data", "currency_code", "captured_at"],
      relations: ["captures", "refunds"],
    })
    if (!payment.data?.[SESSION_KEYS.gateway]) {
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Payment ${payment.id} was not made through a redirect gateway.`)
    }
    const sum = (items: { amount: unknown; raw_amount?: unknown }[] | undefined) =>
      (items ?? []).reduce((total, item) => MathBN.add(total, MathBN.convert((item.raw_amount ?? item.amount) as string)), MathBN.convert(0))
    const refundable = MathBN.sub(sum(payment.captures), sum(payment.refunds))
    const amount = toGatewayAmount(input.amount, payment.currency_code)
    if (MathBN.lte(amount, 0) || MathBN.gt(amount, refundable)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `A refund of ${amount} ${payment.currency_code.toUpperCase()} cannot be recorded: ${toGatewayAmount(refundable, payment.currency_code)} of this payment is captured and not yet refunded.`
      )
    }
    const marker: RefundMadeAtGateway = {
      id: randomUUID(),
      amount,
      note: input.note,
      recorded_by: input.recorded_by,
      recorded_at: new Date().toISOString(),
    }
    await updatePaymentData(paymentModule, payment.id, { ...payment.data, [SESSION_KEYS.refundMadeAtGateway]: marker })
    return new StepResponse(
      { payment_id: payment.id, amount, marker_id: marker.id, refund_ids: (payment.refunds ?? []).map((refund) => refund.id) },
      { payment_id: payment.id }
    )
  },
  async (marked, { container }) => {
    if (!marked) return
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    const payment = await paymentModule.retrievePayment(marked.payment_id, { select: ["id", "data"] })
    await updatePaymentData(paymentModule, payment.id, { ...payment.data, [SESSION_KEYS.refundMadeAtGateway]: null })
  }
)
