import { actionOf } from "../base/gateway-status"
import type { GatewayAction } from "../base/session-data"

/**
 * RubitPay invoice statuses (webhook `status`, and `invoice/check`, which on
 * the engine behind RubitPay may also answer the numeric codes). The doc says
 * new notification types may appear at any time: any other word is unknown,
 * recorded for the operator and changing nothing.
 */
export const STATUS_ACTIONS: ReadonlyMap<string, GatewayAction> = new Map<string, GatewayAction>([
  ["success", "captured"],
  ["hold", "authorized"],
  ["fail", "failed"],
  ["rejected", "failed"],
  ["refund", "refunded"],
  ["created", "pending"],
  ["pending", "pending"],
  ["processing", "pending"],
  ["1", "pending"],
  ["2", "pending"],
  ["3", "failed"],
  ["4", "captured"],
  ["5", "pending"],
  ["6", "failed"],
  ["8", "authorized"],
])

/** Status recorded on a session right after its invoice is opened. */
export const INITIAL_STATUS = "created"

/** A hold must be charged or released within 5 days; RubitPay does neither by itself (engine docs). */
export const RUBITPAY_HOLD_DAYS = 5

export function gatewayAction(status: string): GatewayAction {
  return actionOf(STATUS_ACTIONS, status.toLowerCase())
}

/**
 * One key per invoice and outcome, so a webhook (`success`) and the status
 * call (which on the engine may answer `4`) name the same event; an unknown
 * status is keyed by its own word.
 */
export function eventKey(invoiceId: string, status: string): string {
  const action = gatewayAction(status)
  return action === "unknown" ? `${invoiceId}:unknown:${status}` : `${invoiceId}:${action}`
}

/** No RubitPay status needs the operator by itself (hold expiry is watched by its own job). */
export function statusAttention(_status: string): string | undefined {
  return undefined
}
