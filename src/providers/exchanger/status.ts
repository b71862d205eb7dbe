import { actionOf } from "../base/gateway-status"
import type { GatewayAction } from "../base/session-data"

/**
 * BoxExchanger order statuses. `inProgress` is the customer's claim (the doc
 * lets the client set it after a manual payment), so it stays pending until
 * the exchanger accepts the payment (`inProgressPayout`); the exchanger then
 * holds the money until it pays the merchant out (`done`). `errorPayout` and
 * `hold` keep the money held but need the operator.
 */
export const STATUS_ACTIONS: ReadonlyMap<string, GatewayAction> = new Map<string, GatewayAction>([
  ["new", "pending"],
  ["waitPayment", "pending"],
  ["errorPayment", "failed"],
  ["inProgress", "pending"],
  ["inProgressPayout", "authorized"],
  ["errorPayout", "authorized"],
  ["hold", "authorized"],
  ["done", "captured"],
  ["returned", "canceled"],
  ["deleted", "canceled"],
])

const ATTENTION = new Map([
  ["errorPayout", "the exchanger failed to pay the merchant out"],
  ["hold", "the exchanger froze the order"],
  ["returned", "the exchanger returned the money to the customer"],
])

/**
 * Statuses that mean money only once the exchanger has said it accepted the
 * payment: the engine lets a client set its own unpaid order to
 * `errorPayout`, which is otherwise only the exchanger's word after
 * `inProgressPayout` ("payment accepted").
 */
export const PAID_ONLY_AFTER: ReadonlyMap<string, readonly string[]> = new Map([["errorPayout", ["inProgressPayout"]]])

/** Status recorded on a session right after its exchanger order is created. */
export const INITIAL_STATUS = "new"

/** An order the customer has not paid yet: the only kind a client may delete. */
export const UNPAID_STATUSES = ["new", "waitPayment"]

export function gatewayAction(status: string): GatewayAction {
  return actionOf(STATUS_ACTIONS, status)
}

/** The same key for an IPN and for `order/get`: whichever comes first is processed once. */
export function eventKey(orderId: string, status: string): string {
  return `${orderId}:${status}`
}

export function statusAttention(status: string): string | undefined {
  return STATUS_ACTIONS.has(status) ? ATTENTION.get(status) : `unknown exchanger status "${status}"`
}
