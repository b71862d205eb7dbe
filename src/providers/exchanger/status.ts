import type { GatewayEventInput } from "../../lib/redirect-provider"
import type { GatewayAction } from "../../lib/session-data"

/**
 * BoxExchanger order statuses. `inProgress` is the customer's claim (the doc
 * lets the client set it after a manual payment), so it stays pending until
 * the exchanger accepts the payment (`inProgressPayout`); the exchanger then
 * holds the money until it pays the merchant out (`done`). `errorPayout` and
 * `hold` keep the money held but need the operator.
 */
export const EXCHANGER_STATUS: Record<string, { action: GatewayAction; attention?: string; final?: boolean }> = {
  new: { action: "pending" },
  waitPayment: { action: "pending" },
  errorPayment: { action: "failed", final: true },
  inProgress: { action: "pending" },
  inProgressPayout: { action: "authorized" },
  errorPayout: { action: "authorized", attention: "the exchanger failed to pay the merchant out" },
  hold: { action: "authorized", attention: "the exchanger froze the order" },
  done: { action: "captured", final: true },
  returned: { action: "canceled", final: true, attention: "the exchanger returned the money to the customer" },
  deleted: { action: "canceled", final: true },
}

/** An order the customer has not paid yet: the only kind a client may delete. */
export const UNPAID_STATUSES = ["new", "waitPayment"]

export function exchangerStatus(status: string): { action: GatewayAction; attention?: string; final?: boolean } {
  return Object.prototype.hasOwnProperty.call(EXCHANGER_STATUS, status)
    ? EXCHANGER_STATUS[status]
    : { action: "unknown", attention: `unknown exchanger status "${status}"` }
}

/** The event an exchanger order's status stands for, from an IPN or from `order/get`. */
export function exchangerEventInput(
  sessionId: string,
  order: { orderId: string; uid?: string; status: string; inAmount: string }
): GatewayEventInput {
  return {
    action: exchangerStatus(order.status).action,
    sessionId,
    amount: order.inAmount,
    // the same key for an IPN and for reconciliation: whichever comes first is processed once
    eventKey: `${order.orderId}:${order.status}`,
    gatewayStatus: order.status,
    gatewayReference: order.uid,
    attention: exchangerStatus(order.status).attention,
  }
}
