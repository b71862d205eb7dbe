import { actionOf } from "../base/gateway-status"
import type { GatewayAction } from "../base/session-data"

/**
 * Romb's notification statuses. Romb charges at once (no hold), so PAID is
 * a captured payment; WAIT and PENDING leave the cart open. The doc's cancel
 * call announces "event type payment_canceled", which may come as the status
 * word: Romb cancels only unpaid orders, so it is a cancellation. Any other
 * signed word is unknown: recorded for the operator, changing nothing.
 */
export const STATUS_ACTIONS: ReadonlyMap<string, GatewayAction> = new Map<string, GatewayAction>([
  ["PAID", "captured"],
  ["WAIT", "pending"],
  ["PENDING", "pending"],
  ["CANCELED", "canceled"],
  ["payment_canceled", "canceled"],
])

/** Status recorded on a session right after its Romb order is created. */
export const INITIAL_STATUS = "WAIT"

export function gatewayAction(status: string): GatewayAction {
  return actionOf(STATUS_ACTIONS, status)
}

/** Romb's transaction id and status: Romb has no status call to agree with. */
export function eventKey(transactionId: string, status: string): string {
  return `${transactionId}:${status}`
}

/** No Romb status needs the operator by itself. */
export function statusAttention(_status: string): string | undefined {
  return undefined
}
