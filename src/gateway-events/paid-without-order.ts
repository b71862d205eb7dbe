import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { BigNumberInput, MedusaContainer } from "@medusajs/framework/types"
import { toGatewayAmount } from "../lib/money"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { reportFlaggedEvent } from "./inbox"
import { redirectProviderRegistration } from "./registry"

/** Where the operator finds these payments, named in every alert. */
export const PAID_WITHOUT_ORDER_PLACE = "Settings → Payment gateways → Paid, no order"

/** A payment session's cart as the paid-without-order records need it. */
export type CartOfSession = {
  session_id: string
  provider_id: string
  cart_id: string
  email: string | null
  order_id: string | null
  /** Decimal text at the currency's precision. */
  amount: string
  currency_code: string
  data: Record<string, unknown>
  session_status: string
  payment: { id: string; captured_at: Date | string | null; canceled_at: Date | string | null } | null
}

type QueriedSession = {
  id: string
  provider_id: string
  amount: BigNumberInput
  raw_amount?: BigNumberInput | null
  currency_code: string
  status: string
  data: Record<string, unknown> | null
  payment_collection_id: string
  payment?: { id: string; captured_at: Date | string | null; canceled_at: Date | string | null } | null
}

/** The cart a payment session pays for (undefined: the session pays no cart, or is gone). */
export async function cartOfSession(container: MedusaContainer, sessionId: string): Promise<CartOfSession | undefined> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: sessions } = await query.graph({
    entity: "payment_session",
    fields: [
      "id",
      "provider_id",
      "amount",
      "raw_amount",
      "currency_code",
      "status",
      "data",
      "payment_collection_id",
      "payment.id",
      "payment.captured_at",
      "payment.canceled_at",
    ],
    filters: { id: sessionId },
  })
  const session = sessions[0] as QueriedSession | undefined
  if (!session) return undefined
  const { data: links } = await query.graph({
    entity: "cart_payment_collection",
    fields: ["cart_id", "cart.email", "cart.order.id"],
    filters: { payment_collection_id: session.payment_collection_id },
  })
  const link = links[0] as { cart_id?: string; cart?: { email?: string | null; order?: { id: string } | null } } | undefined
  if (!link?.cart_id) return undefined
  return {
    session_id: session.id,
    provider_id: session.provider_id,
    cart_id: link.cart_id,
    email: link.cart?.email ?? null,
    order_id: link.cart?.order?.id ?? null,
    amount: toGatewayAmount(session.raw_amount ?? session.amount, session.currency_code),
    currency_code: session.currency_code,
    data: session.data ?? {},
    session_status: session.status,
    payment: session.payment ?? null,
  }
}

/** What the operator reads in the admin's feed and on the gateways page. */
export function paidWithoutOrderAlert(
  cart: Pick<CartOfSession, "cart_id" | "email" | "amount" | "currency_code">,
  gatewayName: string,
  reason: string
): string {
  return (
    `${gatewayName} confirmed ${cart.amount} ${cart.currency_code.toUpperCase()} for cart ${cart.cart_id} ` +
    `(${cart.email ?? "no email"}), but the order could not be placed: ${reason.replace(/\.$/, "")}. ` +
    `The customer has paid and was told the shop will contact them: place the order once that is fixed, ` +
    `or give the money back, under ${PAID_WITHOUT_ORDER_PLACE}`
  )
}

/**
 * A verified payment whose cart cannot become its order: kept for the
 * operator (once per session) with its cart, email, amount and reason.
 * Returns the alert, or undefined when the cart has its order after all.
 */
export async function recordPaidWithoutOrder(
  container: MedusaContainer,
  input: { event_id: string; session_id: string; reason: string }
): Promise<string | undefined> {
  const cart = await cartOfSession(container, input.session_id)
  if (!cart || cart.order_id) return undefined
  const name = (await redirectProviderRegistration(container, cart.provider_id))?.provider.displayName ?? cart.provider_id
  await container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE).recordPaidWithoutOrder({
    provider_id: cart.provider_id,
    session_id: cart.session_id,
    event_id: input.event_id,
    cart_id: cart.cart_id,
    email: cart.email,
    amount: cart.amount,
    currency_code: cart.currency_code,
    reason: input.reason,
  })
  const alert = paidWithoutOrderAlert(cart, name, input.reason)
  container.resolve(ContainerRegistrationKeys.LOGGER).error(`Payment session ${cart.session_id}: ${alert}`)
  return alert
}

/**
 * An event whose processing used up its retries: flagged for the operator,
 * never left in silence. A payment among them whose cart has no order is
 * kept as paid without an order.
 */
export async function reportExhaustedEvent(
  container: MedusaContainer,
  event: { id: string; provider_id: string; session_id: string | null; action: string; attempts: number },
  error: string
) {
  const reason = `processing failed ${event.attempts} times and was stopped (last error: ${error})`
  const alert =
    event.session_id && ["authorized", "captured"].includes(event.action)
      ? await recordPaidWithoutOrder(container, { event_id: event.id, session_id: event.session_id, reason })
      : undefined
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const settled = await inbox.settleEvent(event.id, { state: "flagged", error, flag_reason: alert ?? reason })
  await reportFlaggedEvent(container, {
    id: settled.id,
    provider_id: settled.provider_id,
    session_id: settled.session_id ?? "",
    reason: alert ?? reason,
  })
}
