import type { BigNumberInput, InferTypeOf } from "@medusajs/framework/types"
import { z } from "zod"
import { toGatewayAmount } from "../../../lib/money"
import type { GatewayEventState } from "../../../modules/gateway-inbox/event-states"
import type { GatewayEvent } from "../../../modules/gateway-inbox/models/gateway-event"

/** One stored gateway event as the admin shows it (an order's timeline, the gateways page). */
export type AdminGatewayEvent = {
  id: string
  session_id: string | null
  provider_id: string
  action: string
  gateway_status: string
  gateway_reference: string | null
  /** At the currency's precision; null when the currency is not known. */
  amount: string | null
  currency_code: string | null
  state: GatewayEventState
  /** Why the operator should look: set on flagged events and on events processed with a warning. */
  flag_reason: string | null
  attempts: number
  last_error: string | null
  created_at: Date | string
  processed_at: Date | string | null
}

/**
 * A stored event for the admin. Not every gateway names the currency in its
 * notification (Romb does not): then it is the session's.
 */
export function adminGatewayEvent(event: InferTypeOf<typeof GatewayEvent>, sessionCurrency: string | null | undefined): AdminGatewayEvent {
  const currency = event.currency_code ?? sessionCurrency ?? null
  const amount = (event.raw_amount ?? event.amount) as BigNumberInput | null
  return {
    id: event.id,
    session_id: event.session_id,
    provider_id: event.provider_id,
    action: event.action,
    gateway_status: event.gateway_status,
    gateway_reference: event.gateway_reference,
    amount: amount === null || !currency ? null : toGatewayAmount(amount, currency),
    currency_code: currency,
    state: event.state,
    flag_reason: event.flag_reason,
    attempts: event.attempts,
    last_error: event.last_error,
    created_at: event.created_at,
    processed_at: event.processed_at,
  }
}

/**
 * Whether the gateway said it (a webhook or its status call), as opposed to
 * a warning the plugin raised itself: only a gateway's word is sealed.
 */
export function isGatewayWord(event: Pick<InferTypeOf<typeof GatewayEvent>, "confirmation">): boolean {
  return event.confirmation !== null
}

const httpUrl = z.url({ protocol: /^https?$/ })

/**
 * The gateway's payment page from session data, only as an http(s) URL: the
 * admin renders it as a link, and session data is public and may hold anything.
 */
export function paymentPageUrl(value: unknown): string | null {
  const parsed = httpUrl.safeParse(value)
  return parsed.success ? parsed.data : null
}
