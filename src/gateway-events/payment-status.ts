import { randomUUID } from "node:crypto"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import type { ILockingModule, Logger, MedusaContainer } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import type {
  StoreCartPaymentStatusResponse,
  StorePaymentCollectionPaymentStatusResponse,
} from "../storefront"
import { paymentSessionFields, QueriedPaymentSession, queryOneById } from "./payment-session-query"
import { reconcileOneSession } from "./reconcile"
import { redirectProviderRegistration } from "./registry"

/**
 * While a payment is pending, the status routes ask the gateway's status
 * call at most this often per cart or payment collection (on every instance
 * together), so a lost notification does not keep a customer waiting for the
 * next reconciliation, and a client polling in a loop cannot make the plugin
 * call the gateway in one.
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

type QueriedCollection = {
  id: string
  status: string
  amount: number | string
  currency_code: string
  order?: { id: string; display_id: number } | null
  payment_sessions?: QueriedPaymentSession[] | null
}

/** A gateway action, or Medusa's session status, that ends the attempt; anything else is still pending. */
function endingOf(outcome: string): "failed" | "canceled" | undefined {
  if (outcome === "failed" || outcome === "error") return "failed"
  if (outcome === "canceled") return "canceled"
  return undefined
}

/** What the customer is told while nothing is settled, and once the money is confirmed; the rest is the same for both routes. */
type Wording = {
  noSession: string
  confirmed: (name: string) => string
  paidNoOrder: (name: string) => string
}

const CART_WORDING: Wording = {
  noSession: "No payment has been started for this cart.",
  confirmed: (name) => `${name} confirmed the payment; your order is being placed…`,
  paidNoOrder: (name) =>
    `${name} confirmed your payment, but the shop could not place the order. The shop has been told and will contact you about it; you do not need to pay again.`,
}

const COLLECTION_WORDING: Wording = {
  noSession: "No payment has been started for this amount.",
  confirmed: (name) => `${name} confirmed the payment; it is being recorded on your order…`,
  // money for a session the collection dropped (e.g. the amount changed meanwhile)
  paidNoOrder: (name) =>
    `${name} confirmed a payment the shop could not record on your order. The shop has been told and will contact you about it; you do not need to pay again.`,
}

function endingMessage(status: "failed" | "canceled" | "pending", name: string): string {
  if (status === "failed") return `${name} declined the payment. Try again, or choose another payment method.`
  if (status === "canceled") return `The payment was canceled at ${name}. Try again, or choose another payment method.`
  return `Waiting for ${name} to confirm the payment…`
}

/**
 * Takes the sync slot of a cart or collection for the next few seconds;
 * false when another request (on any instance, with Medusa's Redis locking)
 * took it already.
 */
async function takeSyncSlot(container: MedusaContainer, id: string): Promise<boolean> {
  const locking = container.resolve<ILockingModule>(Modules.LOCKING)
  try {
    await locking.acquire(`redirect-payments:status-sync:${id}`, {
      ownerId: randomUUID(),
      expire: STATUS_SYNC_INTERVAL_SECONDS,
    })
    return true
  } catch {
    return false
  }
}

const latestOf = (sessions: QueriedPaymentSession[]) =>
  [...sessions].sort((a, b) => new Date(b.created_at).getTime() - new Date(a.created_at).getTime())[0]

const aboutProvider = async (container: MedusaContainer, session: QueriedPaymentSession) => ({
  provider_id: session.provider_id,
  name: (await redirectProviderRegistration(container, session.provider_id))?.provider.displayName ?? "The payment provider",
})

type SessionStatus = Omit<StoreCartPaymentStatusResponse, "order_id" | "display_id">

/**
 * The not-yet-paid answer for the latest of `sessions`: failed or canceled on
 * the gateway's verified word, paid_no_order when the money arrived for it
 * and could not be recorded, pending otherwise. Reads what the plugin and
 * Medusa wrote, never session data. While pending, it asks the gateway's
 * status call (throttled per `subjectId`) through the same path as
 * reconciliation; what the gateway says is processed like a notification.
 */
async function latestSessionStatus(
  container: MedusaContainer,
  subjectId: string,
  sessions: QueriedPaymentSession[],
  wording: Wording
): Promise<SessionStatus> {
  const session = latestOf(sessions)
  if (!session) return { status: "pending", message: wording.noSession }
  const registration = await redirectProviderRegistration(container, session.provider_id)
  const about = await aboutProvider(container, session)
  const name = about.name

  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const [[latest], [withoutOrder]] = await Promise.all([
    inbox.listGatewayEvents(
      { session_id: session.id, state: ["processed", "received", "processing", "failed"] },
      { order: { created_at: "DESC" }, take: 1 }
    ),
    inbox.listPaidWithoutOrders({ session_id: session.id }, { select: ["id"], take: 1 }),
  ])
  // the money arrived and the shop could not record it: never "waiting" after this
  if (withoutOrder) {
    return { status: "paid_no_order", message: wording.paidNoOrder(name), confirmed: true, ...about }
  }
  // confirmed at the gateway: Medusa records it now
  if (latest && ["authorized", "captured"].includes(latest.action)) {
    return { status: "pending", message: wording.confirmed(name), confirmed: true, ...about, gateway_status: latest.gateway_status }
  }
  let outcome: string = latest?.action ?? session.status
  let gatewayStatus = latest?.gateway_status ?? undefined
  if (!endingOf(outcome) && registration?.provider.hasStatusCall && (await takeSyncSlot(container, subjectId))) {
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
        .warn(`Payment status of ${subjectId}: asking ${name} failed: ${(error as Error).message}`)
    }
  }
  const status = endingOf(outcome) ?? "pending"
  return { status, message: endingMessage(status, name), ...about, ...(gatewayStatus ? { gateway_status: gatewayStatus } : {}) }
}

/** The paid sentence's subject: the latest session's provider and the registration's name. */
async function paidBy(container: MedusaContainer, sessions: QueriedPaymentSession[]) {
  const session = latestOf(sessions)
  return session ? aboutProvider(container, session) : { name: "The payment provider" }
}

/**
 * A cart's payment as its return page sees it: paid once the order and its
 * payment exist; otherwise the latest session's state (`latestSessionStatus`).
 */
export async function cartPaymentStatus(container: MedusaContainer, cartId: string): Promise<StoreCartPaymentStatusResponse> {
  const cart = await queryOneById<QueriedCart>(container, "cart", cartId, [
    "id",
    "order.id",
    "order.display_id",
    "payment_collection.payments.id",
    ...paymentSessionFields("payment_collection.payment_sessions"),
  ])
  const sessions = cart.payment_collection?.payment_sessions ?? []
  // the order is created a moment before its payment is attached: paid means both
  if (cart.order?.id && cart.payment_collection?.payments?.length) {
    const about = await paidBy(container, sessions)
    return {
      status: "paid",
      message: `${about.name} confirmed the payment: order #${cart.order.display_id} is placed.`,
      order_id: cart.order.id,
      display_id: cart.order.display_id,
      ...about,
    }
  }
  return latestSessionStatus(container, cart.id, sessions, CART_WORDING)
}

/**
 * A payment collection's payment as a payment link's page sees it. The id is
 * the bearer secret of Medusa's "Copy payment link": the answer is about this
 * collection only (its amount, the gateway, the order's display id), never
 * the order's customer. Paid once Medusa marks the collection authorized or
 * completed; canceled when Medusa canceled it; otherwise the latest session's
 * state (`latestSessionStatus`).
 */
export async function paymentCollectionPaymentStatus(
  container: MedusaContainer,
  collectionId: string
): Promise<StorePaymentCollectionPaymentStatusResponse> {
  const collection = await queryOneById<QueriedCollection>(container, "payment_collection", collectionId, [
    "id",
    "status",
    "amount",
    "currency_code",
    "order.id",
    "order.display_id",
    ...paymentSessionFields("payment_sessions"),
  ])
  const sessions = collection.payment_sessions ?? []
  const facts = {
    payment_collection_id: collection.id,
    amount: Number(collection.amount),
    currency_code: collection.currency_code,
    ...(collection.order ? { display_id: collection.order.display_id } : {}),
  }
  const order = collection.order ? ` for order #${collection.order.display_id}` : ""
  if (collection.status === "authorized" || collection.status === "completed") {
    const about = await paidBy(container, sessions)
    return { ...facts, status: "paid", message: `${about.name} confirmed the payment${order}.`, ...about }
  }
  if (collection.status === "canceled") {
    return { ...facts, status: "canceled", message: `This payment${order} was canceled by the shop; nothing is due.` }
  }
  return { ...facts, ...(await latestSessionStatus(container, collection.id, sessions, COLLECTION_WORDING)) }
}
