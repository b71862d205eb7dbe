import { completeCartWorkflow } from "@medusajs/medusa/core-flows"
import { MathBN, MedusaError, Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { cartOfSession } from "../gateway-events/paid-without-order"
import { withPaymentLock } from "../gateway-events/payment-lock"
import { redirectProviderRegistration } from "../gateway-events/registry"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import type { PaidWithoutOrderResolution } from "../modules/gateway-inbox/service"
import { recordRefundMadeAtGatewayWorkflow } from "./record-refund-made-at-gateway"

/**
 * What the operator can do with a payment whose cart could not become its
 * order: place the order after all (once Medusa accepts the cart, e.g. after
 * restocking or allowing backorders), release a hold at the gateway, refund
 * through the gateway's refund API, or record a refund made in the gateway's
 * dashboard.
 */
export const PAID_WITHOUT_ORDER_ACTIONS = ["place_order", "release_hold", "refund", "record_refund"] as const
export type PaidWithoutOrderAction = (typeof PAID_WITHOUT_ORDER_ACTIONS)[number]

const RESOLUTION: Record<PaidWithoutOrderAction, PaidWithoutOrderResolution> = {
  place_order: "order_placed",
  release_hold: "hold_released",
  refund: "refunded",
  record_refund: "refund_recorded",
}

/** What is captured on a Medusa payment and not yet refunded, as decimal text. */
async function refundable(paymentModule: IPaymentModuleService, paymentId: string) {
  const payment = await paymentModule.retrievePayment(paymentId, { select: ["id"], relations: ["captures", "refunds"] })
  const sum = (items: Array<{ amount: unknown; raw_amount?: unknown }> | undefined) =>
    (items ?? []).reduce((total, item) => MathBN.add(total, MathBN.convert((item.raw_amount ?? item.amount) as string)), MathBN.convert(0))
  return MathBN.sub(sum(payment.captures), sum(payment.refunds))
}

/**
 * Carries out the operator's action on an open paid-without-order record and
 * marks it resolved; a gateway or Medusa refusal is answered with its reason
 * and leaves the record open.
 */
export async function resolvePaidWithoutOrder(
  container: MedusaContainer,
  id: string,
  input: { action: PaidWithoutOrderAction; note?: string; actor_id?: string }
) {
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const [record] = await inbox.listPaidWithoutOrders({ id }, { take: 1 })
  if (!record) throw new MedusaError(MedusaError.Types.NOT_FOUND, `Paid-without-order payment ${id} was not found.`)
  if (record.state !== "open") {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `This payment is resolved already (${record.resolution}).`)
  }
  const cart = await cartOfSession(container, record.session_id)
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const payment = cart?.payment && !cart.payment.canceled_at ? cart.payment : null
  let orderId = cart?.order_id ?? undefined

  switch (input.action) {
    case "place_order": {
      if (orderId) break
      if (!cart) throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `The payment session of cart ${record.cart_id} is gone; give the money back instead.`)
      const { result, errors } = await completeCartWorkflow(container).run({ input: { id: cart.cart_id }, throwOnError: false })
      if (errors.length || !result?.id) {
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `Medusa still refuses to place the order for cart ${cart.cart_id}: ${errors[0]?.error?.message ?? "no order was made"}. Fix that first (e.g. restock the item or allow backorders), or give the money back.`
        )
      }
      orderId = result.id
      break
    }
    case "release_hold": {
      if (payment?.captured_at) {
        throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "This payment is captured: refund it, or record a refund made at the gateway.")
      }
      if (payment) {
        await paymentModule.cancelPayment(payment.id)
      } else {
        const registration = cart && (await redirectProviderRegistration(container, cart.provider_id))
        if (!registration) throw new MedusaError(MedusaError.Types.NOT_ALLOWED, "The payment session is gone: release the hold in the gateway's dashboard, then record it.")
        await registration.provider.cancelPayment({ data: cart.data })
      }
      break
    }
    case "refund": {
      if (!payment?.captured_at) {
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          "Nothing of this payment is captured in Medusa: release the hold, or record a refund made at the gateway."
        )
      }
      await withPaymentLock(container, payment.id, async () => {
        const amount = await refundable(paymentModule, payment.id)
        if (MathBN.lte(amount, 0)) return
        // the provider refunds through the gateway, or refuses with its reason (no refund API)
        await paymentModule.refundPayment({
          payment_id: payment.id,
          amount: amount.toString(),
          created_by: input.actor_id,
          note: input.note ?? "Paid, but the order could not be placed: refunded",
        })
      })
      break
    }
    case "record_refund": {
      if (payment?.captured_at) {
        await withPaymentLock(container, payment.id, async () => {
          const amount = await refundable(paymentModule, payment.id)
          if (MathBN.lte(amount, 0)) return
          await recordRefundMadeAtGatewayWorkflow(container).run({
            input: {
              payment_id: payment.id,
              amount: amount.toNumber(),
              note: input.note ?? "Paid, but the order could not be placed: refunded in the gateway's dashboard",
              recorded_by: input.actor_id,
            },
          })
        })
      }
      break
    }
  }
  const resolved = await inbox.resolvePaidWithoutOrder(id, {
    resolution: RESOLUTION[input.action],
    resolved_by: input.actor_id,
    order_id: orderId,
  })
  if (!resolved) throw new MedusaError(MedusaError.Types.CONFLICT, "Another operator resolved this payment meanwhile.")
  return inbox.retrievePaidWithoutOrder(id)
}
