import type { GatewayAction } from "../../lib/session-data"

/**
 * RubitPay invoice statuses (webhook `status`, and `invoice/check`, which on
 * the engine behind RubitPay may also answer the numeric codes). The doc says
 * new notification types may appear at any time: any other word is unknown,
 * recorded for the operator and changing nothing.
 */
const STATUS_ACTION = new Map<string, GatewayAction>([
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

/** A hold must be charged or released within 5 days; RubitPay does neither by itself (engine docs). */
export const RUBITPAY_HOLD_DAYS = 5

export type RubitPayOutcome = GatewayAction

export function rubitPayOutcome(status: string | number | undefined): RubitPayOutcome {
  return STATUS_ACTION.get(String(status ?? "").toLowerCase()) ?? "unknown"
}

/**
 * One key per invoice and outcome, so a webhook (`success`) and the status
 * call (which on the engine may answer `4`) name the same event; an unknown
 * status is keyed by its own word.
 */
export function rubitPayEventKey(invoiceId: string, outcome: RubitPayOutcome, status: string): string {
  return outcome === "unknown" ? `${invoiceId}:unknown:${status}` : `${invoiceId}:${outcome}`
}

/** Error codes from RubitPay's doc: fatal ones stop the payment, the rest wait for the webhook. */
export const RUBITPAY_ERRORS: Record<string, { fatal: boolean; kind: "rejected" | "misconfigured"; fix: string }> = {
  invalid_sign: {
    fatal: true,
    kind: "misconfigured",
    fix: "RubitPay rejected the request signature; check the provider's secretKey option",
  },
  invalid_shop: {
    fatal: true,
    kind: "misconfigured",
    fix: "RubitPay does not recognise the shop or it is inactive; check the provider's shopId option",
  },
  duplicate_order: {
    fatal: true,
    kind: "rejected",
    fix: "RubitPay already has an invoice for this payment session with another amount or currency; start a new payment session",
  },
  unsupported_payway: {
    fatal: true,
    kind: "rejected",
    fix: "this payment method is not available for the shop or currency; choose another one",
  },
  insufficient_funds: {
    fatal: true,
    kind: "rejected",
    fix: "the payer has insufficient funds; try another card or payment method",
  },
  processing_error: {
    fatal: false,
    kind: "rejected",
    fix: "RubitPay had a temporary processing issue; the outcome will arrive by notification",
  },
}
