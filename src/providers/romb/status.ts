import type { GatewayAction } from "../../lib/session-data"

/**
 * Romb's notification statuses. Romb charges at once (no hold), so PAID is
 * a captured payment; WAIT and PENDING leave the cart open. The doc's cancel
 * call announces "event type payment_canceled", which may come as the status
 * word: Romb cancels only unpaid orders, so it is a cancellation. Any other
 * signed word is unknown: recorded for the operator, changing nothing.
 */
export const ROMB_STATUS_ACTION = new Map<string, GatewayAction>([
  ["PAID", "captured"],
  ["WAIT", "pending"],
  ["PENDING", "pending"],
  ["CANCELED", "canceled"],
  ["payment_canceled", "canceled"],
])

export function rombAction(status: string): GatewayAction {
  return ROMB_STATUS_ACTION.get(status) ?? "unknown"
}

/** Status recorded on a session right after its Romb order is created. */
export const ROMB_INITIAL_STATUS = "WAIT"
