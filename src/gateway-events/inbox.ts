import { MathBN, MedusaError, Modules } from "@medusajs/framework/utils"
import type { BigNumberInput, IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import type { RecordedGatewayEvent, RecordGatewayEventInput } from "../modules/gateway-inbox/service"
import type { WebhookRefusalReason } from "../modules/gateway-inbox/models/gateway-webhook-refusal"
import { redirectProviderRegistration } from "./registry"
import { amountsMatch, toGatewayAmount } from "../lib/money"
import type { GatewayAction } from "../providers/base/session-data"
import type { GatewayWebhookPayload, GatewayEvent } from "../providers/base/redirect-provider"

/** Emitted once per stored event; the subscriber processes it. */
export const GATEWAY_EVENT_RECORDED = "redirect_payments.gateway_event.recorded"
/** Emitted when an event needs the operator (flagged, or processed with a warning); the admin's feed shows it. */
export const GATEWAY_EVENT_FLAGGED = "redirect_payments.gateway_event.flagged"

export type GatewayEventFlagged = { id: string; provider_id: string; session_id: string; reason: string }

/** Tells the operator (the admin's feed) about an event that needs attention. */
export async function reportFlaggedEvent(container: MedusaContainer, flagged: GatewayEventFlagged) {
  await container.resolve(Modules.EVENT_BUS).emit({ name: GATEWAY_EVENT_FLAGGED, data: flagged })
}

/**
 * A warning the plugin itself raises about a payment (not a gateway's word),
 * recorded once per key on the payment's timeline and sent to the admin's
 * feed, e.g. a hold about to end. Returns the event id when it is new.
 */
export async function recordOperatorWarning(
  container: MedusaContainer,
  input: {
    providerId: string
    sessionId: string
    key: string
    action: GatewayAction
    gatewayStatus: string
    gatewayReference: string | null
    reason: string
    payload: Record<string, unknown>
  }
): Promise<string | undefined> {
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const { id, duplicate } = await inbox.recordEvent({
    provider_id: input.providerId,
    event_key: input.key,
    session_id: input.sessionId,
    action: input.action,
    gateway_status: input.gatewayStatus,
    gateway_reference: input.gatewayReference,
    state: "flagged",
    flag_reason: input.reason,
    payload: input.payload,
  })
  if (duplicate) return undefined
  await reportFlaggedEvent(container, { id, provider_id: input.providerId, session_id: input.sessionId, reason: input.reason })
  container.resolve("logger").warn(`Payment session ${input.sessionId} (${input.providerId}): ${input.reason}`)
  return id
}

export type ReceivedWebhook = {
  event_id?: string
  duplicate?: boolean
  flagged?: string
  ignored?: boolean
}

/** `romb_romb`, `pp_romb_romb` -> `pp_romb_romb` */
export function paymentProviderId(routeParam: string): string {
  return routeParam.startsWith("pp_") ? routeParam : `pp_${routeParam}`
}

/**
 * The synchronous half of every gateway webhook, from either URL: verify
 * through the provider (one parse of the raw bytes; throws UNAUTHORIZED /
 * INVALID_DATA), check it against the session it names, store it once, and
 * hand it to the processing subscriber. The caller acknowledges only after
 * this returns, so an event is never acknowledged before it is safely stored.
 */
export async function receiveGatewayWebhook(
  container: MedusaContainer,
  providerId: string,
  payload: GatewayWebhookPayload
): Promise<ReceivedWebhook> {
  // the instance Medusa registered, found in memory: no provider listing on the hot path
  const registration = await redirectProviderRegistration(container, providerId)
  if (!registration) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `${providerId} is not a payment provider of this plugin.`)
  }
  let answer
  try {
    answer = await registration.provider.verifyWebhook(payload)
  } catch (error) {
    countRefusal(container, providerId, error)
    throw error
  }
  return recordVerifiedGatewayEvent(container, providerId, answer.verified)
}

const REFUSAL_REASONS: Partial<Record<string, WebhookRefusalReason>> = {
  [MedusaError.Types.UNAUTHORIZED]: "unauthorized",
  [MedusaError.Types.INVALID_DATA]: "malformed",
}

/** A webhook the provider refused (forged: 401, malformed: 400): counted and logged in summary by the intake already. */
export function isWebhookRefusal(error: unknown): error is MedusaError {
  return MedusaError.isMedusaError(error) && REFUSAL_REASONS[error.type] !== undefined
}

/**
 * Counts a webhook the provider refused for the admin's gateway page, in
 * memory (no database work before the refusal is answered), and logs it in
 * summary (at most a line a minute per provider and reason); the body is not kept.
 */
function countRefusal(container: MedusaContainer, providerId: string, error: unknown) {
  if (!isWebhookRefusal(error)) return
  container
    .resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    .countWebhookRefusal(providerId, REFUSAL_REASONS[error.type]!, error.message)
}

/**
 * Stores what a gateway verifiably said (a signed webhook, or the answer of
 * its status call during reconciliation) for a session of this provider, once,
 * and hands it to the processing subscriber. Both paths share the inbox and
 * its event keys, so a late webhook and a reconciliation never act twice.
 *
 * Two events are the same only when the provider, the session, the gateway's
 * id and the outcome all agree (all verified). The same id and outcome for
 * another session is that session's own news (a gateway that reused an id):
 * processed, with a warning for the operator. Other money than the session's
 * is flagged under its own key, never swallowed as a copy of the true word.
 *
 * An event that needs the operator instead (an amount or currency other than
 * the session's, a status the plugin does not know) is stored flagged. A
 * flagged amount is stored under its own key, so that it never stands in for
 * the gateway's true word with the same status, which is processed when it
 * comes (a later webhook, the status call).
 */
export async function recordVerifiedGatewayEvent(
  container: MedusaContainer,
  providerId: string,
  result: GatewayEvent,
  payload?: Record<string, unknown>
): Promise<ReceivedWebhook> {
  const event = result.data
  const session = await sessionOfEvent(container, event.session_id)
  if (!session || session.provider_id !== providerId) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `Payment session ${event.session_id} was not created by ${providerId}.`
    )
  }
  const dropped = session.dropped

  // the amount as the gateway wrote it, not Medusa's 20-decimal BigNumber
  const amount = event.confirmation.amount
  const mismatched = mismatch(session, amount, event.currency_code, result.action === "refunded")
  const unknown =
    result.action === "unknown"
      ? `the gateway reported status "${event.gateway_status}", which the plugin does not know; it was recorded and changed nothing`
      : undefined
  const droppedMoney =
    dropped && (result.action === "authorized" || result.action === "captured")
      ? `the gateway reported ${event.gateway_status} for payment session ${session.id}, ${
          session.cart_id || !session.payment_collection_id
            ? `which cart ${session.cart_id ?? "(unknown)"} no longer has: the customer paid for a checkout that was replaced`
            : `which payment collection ${session.payment_collection_id} no longer has: the customer paid a payment link's earlier attempt (the amount due may have changed since)`
        }; refund the customer at the gateway (or record the refund), or contact them`
      : undefined
  const flagged = mismatched ?? unknown ?? droppedMoney
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const stored: RecordGatewayEventInput = {
    provider_id: providerId,
    // other money than the session's under its own key: it never stands in for the gateway's true word
    event_key: mismatched ? `${event.event_key}:flagged:${amount}:${event.currency_code ?? ""}` : event.event_key,
    session_id: session.id,
    action: result.action,
    gateway_status: event.gateway_status,
    gateway_reference: event.gateway_reference ?? null,
    amount,
    currency_code: event.currency_code ?? null,
    // news for a dropped session that moves no money changes nothing
    state: flagged ? "flagged" : dropped ? "ignored" : "received",
    flag_reason: flagged ?? event.attention ?? null,
    confirmation: event.confirmation,
    payload: payload ?? event.notification ?? null,
  }
  const recorded = await storeEvent(container, stored)
  const { id: storedId, duplicate } = recorded
  if (duplicate) {
    return { event_id: storedId, duplicate: true }
  }
  if (dropped && !flagged) {
    return { event_id: storedId, ignored: true }
  }
  if (flagged) {
    await flagForOperator(container, { id: storedId, provider_id: providerId, session_id: session.id, reason: flagged })
    return { event_id: storedId, flagged }
  }
  if (recorded.key_held_by) {
    // a gateway that reused an id (sandbox gone live, renumbered, restored data): this session's payment
    // is processed as any other; the operator is told once processing has settled it
    const warning = `the gateway reported ${event.event_key} (its id and outcome) for payment session ${recorded.key_held_by} before: it reused an id, and this session's payment was processed on its own`
    await inbox.addEventWarning(storedId, warning)
    container.resolve("logger").warn(`Gateway event ${storedId} for session ${session.id}: ${warning}`)
  }
  await container.resolve(Modules.EVENT_BUS).emit({ name: GATEWAY_EVENT_RECORDED, data: { id: storedId } })
  return { event_id: storedId }
}

/** Stores an event; a database failure is never acknowledged and never shows the database's text. */
async function storeEvent(container: MedusaContainer, input: RecordGatewayEventInput): Promise<RecordedGatewayEvent> {
  try {
    return await container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE).recordEvent(input)
  } catch (error) {
    container.resolve("logger").error(`Gateway event for session ${input.session_id} could not be stored: ${(error as Error).message}`)
    throw new MedusaError(MedusaError.Types.UNEXPECTED_STATE, "The gateway event could not be stored; the gateway should retry.")
  }
}

async function flagForOperator(container: MedusaContainer, flagged: GatewayEventFlagged) {
  container.resolve("logger").warn(`Gateway event ${flagged.id} for session ${flagged.session_id} flagged: ${flagged.reason}`)
  await reportFlaggedEvent(container, flagged)
}


type SessionOfEvent = {
  id: string
  provider_id: string
  amount: BigNumberInput
  raw_amount?: BigNumberInput | null
  currency_code: string
  cart_id: string | null
  /** A payment link's collection (an order's) has no cart. */
  payment_collection_id?: string
  /** The cart replaced it: Medusa no longer has the session, the plugin still has its gateway order. */
  dropped: boolean
}

/**
 * The session an event names, from the gateway order the plugin recorded when
 * the session was created (one indexed read of its own table, also for
 * sessions the cart has dropped since); from Medusa's payment module only for
 * a session created without the Store API route (e.g. before an upgrade).
 */
async function sessionOfEvent(container: MedusaContainer, sessionId: string): Promise<SessionOfEvent | undefined> {
  const order = await container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE).gatewayOrderOfSession(sessionId)
  if (order) {
    return { ...order, id: order.session_id, dropped: order.state === "dropped" }
  }
  const [current] = await container
    .resolve<IPaymentModuleService>(Modules.PAYMENT)
    .listPaymentSessions({ id: sessionId }, { select: ["id", "provider_id", "amount", "raw_amount", "currency_code"] })
  return current && { ...current, cart_id: null, dropped: false }
}

function mismatch(
  session: { amount: BigNumberInput; raw_amount?: BigNumberInput | null; currency_code: string },
  amount: string,
  currencyCode: string | undefined,
  isRefund: boolean
): string | undefined {
  if (currencyCode && currencyCode.toLowerCase() !== session.currency_code.toLowerCase()) {
    return `currency ${currencyCode.toUpperCase()} differs from the session's ${session.currency_code.toUpperCase()}`
  }
  const expected = session.raw_amount ?? session.amount
  if (isRefund) {
    const refunded = MathBN.convert(amount)
    return refunded.isFinite() && refunded.gt(0) && MathBN.lte(refunded, toGatewayAmount(expected, session.currency_code))
      ? undefined
      : `refunded amount ${amount} is not between 0 and the session's ${toGatewayAmount(expected, session.currency_code)}`
  }
  if (!amountsMatch(expected, amount, session.currency_code)) {
    return `amount ${amount} differs from the session's ${toGatewayAmount(expected, session.currency_code)} ${session.currency_code.toUpperCase()}`
  }
  return undefined
}
