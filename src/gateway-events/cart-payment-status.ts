import { randomUUID } from "node:crypto"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import type { ILockingModule, Logger, MedusaContainer } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import type { CartPaymentStatus, StoreCartPaymentStatusResponse } from "../storefront"
import { paymentSessionFields, QueriedPaymentSession, queryOneById } from "./payment-session-query"
import { reconcileOneSession } from "./reconcile"
import { redirectProviderRegistration } from "./registry"

/**
 * While a payment is pending, the status route asks the gateway's status
 * call at most this often per cart (on every instance together), so a lost
 * notification does not keep a customer waiting for the next reconciliation.
 */
export const STATUS_SYNC_INTERVAL_SECONDS = 5

type QueriedCart = {
  id: string
  order?: { id: string; display_id: number } | null
  payment_collection?: {
    payments?: Array<{ id: string }> | null
    payment_sessions?: QueriedPaymentSession[] | null
  } | null
}

/** A gateway action, or Medusa's session status, that ends the attempt; anything else is still pending. */
function endingOf(outcome: string): CartPaymentStatus | undefined {
  if (outcome === "failed" || outcome === "error") return "failed"
  if (outcome === "canceled") return "canceled"
  return undefined
}

function messageFor(status: CartPaymentStatus, name: string, order?: { display_id: number }): string {
  switch (status) {
    case "paid":
      return `${name} confirmed the payment: order #${order?.display_id} is placed.`
    case "paid_no_order":
      return `${name} confirmed your payment, but the shop could not place the order. The shop has been told and will contact you about it; you do not need to pay again.`
    case "failed":
      return `${name} declined the payment. Try again, or choose another payment method.`
    case "canceled":
      return `The payment was canceled at ${name}. Try again, or choose another payment method.`
    default:
      return `Waiting for ${name} to confirm the payment…`
  }
}

/**
 * Takes the cart's sync slot for the next few seconds; false when another
 * request (on any instance, with Medusa's Redis locking) took it already.
 */
async function takeSyncSlot(container: MedusaContainer, cartId: string): Promise<boolean> {
  const locking = container.resolve<ILockingModule>(Modules.LOCKING)
  try {
    await locking.acquire(`redirect-payments:cart-status-sync:${cartId}`, {
      ownerId: randomUUID(),
      expire: STATUS_SYNC_INTERVAL_SECONDS,
    })
    return true
  } catch {
    return false
  }
}

/**
 * A cart's payment as its return page sees it: paid once the order and its
 * payment exist; failed or canceled on the gateway's verified word for the
 * cart's latest session; pending otherwise. Reads what the plugin and Medusa
 * wrote, never session data. While pending, it asks the gateway's status
 * call (throttled per cart) through the same path as reconciliation; what the
 * gateway says is processed like a notification.
 */
export async function cartPaymentStatus(container: MedusaContainer, cartId: string): Promise<StoreCartPaymentStatusResponse> {
  const cart = await queryOneById<QueriedCart>(container, "cart", cartId, [
    "id",
    "order.id",
    "order.display_id",
    "payment_collection.payments.id",
    ...paymentSessionFields("payment_collection.payment_sessions"),
  ])
  const sessions = [...(cart.payment_collection?.payment_sessions ?? [])].sort(
    (a, b) => new Date(b.created_at).getTime() - new Date(a.created_at).getTime()
  )
  const session = sessions[0]
  const registration = session ? await redirectProviderRegistration(container, session.provider_id) : undefined
  const name = registration?.provider.displayName ?? "The payment provider"
  const about = session ? { provider_id: session.provider_id, name } : {}

  // the order is created a moment before its payment is attached: paid means both
  if (cart.order?.id && cart.payment_collection?.payments?.length) {
    return { status: "paid", message: messageFor("paid", name, cart.order), order_id: cart.order.id, display_id: cart.order.display_id, ...about }
  }
  if (!session) {
    return { status: "pending", message: "No payment has been started for this cart." }
  }

  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const [[latest], [withoutOrder]] = await Promise.all([
    inbox.listGatewayEvents(
      { session_id: session.id, state: ["processed", "received", "processing", "failed"] },
      { order: { created_at: "DESC" }, take: 1 }
    ),
    inbox.listPaidWithoutOrders({ session_id: session.id }, { select: ["id"], take: 1 }),
  ])
  // the money arrived and the shop could not place the order: never "waiting" after this
  if (withoutOrder) {
    return { status: "paid_no_order", message: messageFor("paid_no_order", name), confirmed: true, ...about }
  }
  // confirmed at the gateway: the order is on its way (Medusa completes the cart now)
  if (latest && ["authorized", "captured"].includes(latest.action)) {
    return {
      status: "pending",
      message: `${name} confirmed the payment; your order is being placed…`,
      confirmed: true,
      ...about,
      gateway_status: latest.gateway_status,
    }
  }
  let outcome: string = latest?.action ?? session.status
  let gatewayStatus = latest?.gateway_status ?? undefined
  if (!endingOf(outcome) && registration?.provider.hasStatusCall && (await takeSyncSlot(container, cart.id))) {
    try {
      const found = await reconcileOneSession(container, registration, { ...session, data: session.data ?? {} }, Date.now())
      if (found) {
        outcome = found.action
        gatewayStatus = found.gateway_status
      }
    } catch (error) {
      // the gateway's own notification (or reconciliation) still settles it; the customer keeps waiting
      container
        .resolve<Logger>(ContainerRegistrationKeys.LOGGER)
        .warn(`Payment status of cart ${cart.id}: asking ${name} failed: ${(error as Error).message}`)
    }
  }
  const status = endingOf(outcome) ?? "pending"
  return { status, message: messageFor(status, name), ...about, ...(gatewayStatus ? { gateway_status: gatewayStatus } : {}) }
}
