import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { cancelOrderWorkflow } from "@medusajs/medusa/core-flows"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import { updatePaymentData } from "./payment-data"
import { SESSION_KEYS } from "../../providers/base/session-data"
import { redirectProviderRegistrations } from "../../gateway-events/registry"

/** Emitted when a gateway ended a payment after its order was placed; other code may subscribe. */
export const PAYMENT_CANCELED_BY_GATEWAY = "redirect_payments.payment.canceled_by_gateway"

export type PaymentCanceledByGateway = {
  payment_id: string
  order_id?: string
  session_id: string
  provider_id: string
  gateway_status: string
}

/**
 * After the order exists, a gateway's failure, cancellation, return or
 * release ends the Medusa payment too: the sealed news goes into the
 * payment's data (so the provider's cancelPayment does not call the gateway
 * back) and Medusa cancels the payment. A captured payment is not touched:
 * the money may be back with the customer, which only the operator can
 * confirm (and record as a refund); the event is flagged for them instead.
 * Returns why the operator should look, or null when there was no payment.
 */
export const cancelPaymentEndedAtGatewayStep = createStep(
  "cancel-payment-ended-at-gateway",
  async (
    input: { session_id: string; provider_id: string; gateway_status: string; confirmation: Record<string, unknown> },
    { container }
  ) => {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    const [payment] = await paymentModule.listPayments(
      { payment_session_id: input.session_id },
      { select: ["id", "data", "captured_at", "canceled_at", "payment_collection_id"] }
    )
    if (!payment || payment.canceled_at) return new StepResponse(null)
    const query = container.resolve(ContainerRegistrationKeys.QUERY)
    const { data: links } = await query.graph({
      entity: "order_payment_collection",
      fields: ["order_id"],
      filters: { payment_collection_id: payment.payment_collection_id },
    })
    const orderId = (links[0] as { order_id?: string } | undefined)?.order_id
    if (payment.captured_at) {
      return new StepResponse(
        `the gateway reported ${input.gateway_status} after the payment was captured; if the money went back to the customer, record the refund on the order`
      )
    }
    await updatePaymentData(paymentModule, payment.id, {
      ...payment.data,
      [SESSION_KEYS.gatewayStatus]: input.gateway_status,
      [SESSION_KEYS.confirmation]: input.confirmation,
    })
    await paymentModule.cancelPayment(payment.id)
    const canceled: PaymentCanceledByGateway = {
      payment_id: payment.id,
      order_id: orderId,
      session_id: input.session_id,
      provider_id: input.provider_id,
      gateway_status: input.gateway_status,
    }
    await container.resolve(Modules.EVENT_BUS).emit({ name: PAYMENT_CANCELED_BY_GATEWAY, data: canceled })
    const reason = `the gateway reported ${input.gateway_status} after the order was placed; the payment was canceled in Medusa`
    const registration = (await redirectProviderRegistrations(container)).find((r) => r.providerId === input.provider_id)
    if (!orderId || !registration?.provider.cancelsOrderOnPaymentCancel) return new StepResponse(reason)
    // the merchant's choice (cancelOrderOnPaymentCancel): Medusa's own cancellation, with its checks and events
    const { errors } = await cancelOrderWorkflow(container).run({ input: { order_id: orderId }, throwOnError: false })
    return new StepResponse(
      errors.length
        ? `${reason}; the order could not be canceled: ${errors.map((e) => e.error?.message ?? String(e.error)).join("; ")}`
        : `${reason}, and the order was canceled`
    )
  }
)
