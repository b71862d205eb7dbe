import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import type { BigNumberInput } from "@medusajs/framework/types"
import { MathBN } from "@medusajs/framework/utils"
import { GATEWAY_INBOX_MODULE } from "../../../../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../../../../modules/gateway-inbox/service"
import { toGatewayAmount } from "../../../../../lib/money"
import { OrderGatewaySession, orderGatewaySessions } from "../../../../../gateway-events/order-gateway-sessions"
import { SESSION_KEYS } from "../../../../../providers/base/session-data"

/** What is captured and not yet refunded on the session's payment, at the currency's precision. */
/** One gateway payment of the order, as the admin widget shows it. */
export type AdminGatewayPayment = {
  session_id: string
  provider_id: string
  session_status: string
  gateway: string
  gateway_reference: string | null
  gateway_status: string | null
  amount: string | null
  currency_code: string | null
  payment_id: string | null
  /** Captured and not yet refunded. */
  refundable: string | null
  /** A canceled order's payment still captured at the gateway: what the customer is owed there. */
  refund_due: string | null
}

/** One entry of the order's gateway timeline. */
export type AdminGatewayEvent = {
  id: string
  session_id: string | null
  provider_id: string
  action: string
  gateway_status: string
  amount: string | null
  currency_code: string | null
  state: string
  flag_reason: string | null
  attempts: number
  last_error: string | null
  created_at: Date | string
  processed_at: Date | string | null
}

export type AdminOrderGatewayPaymentsResponse = { payments: AdminGatewayPayment[]; events: AdminGatewayEvent[] }

function refundable(session: OrderGatewaySession): string | null {
  const currency = session.data[SESSION_KEYS.currencyCode]
  if (!session.payment || !currency) return null
  const left = MathBN.sub(session.payment.captured, session.payment.refunded)
  return left.gt(0) ? toGatewayAmount(left, currency) : null
}

/**
 * `GET /admin/payment-gateways/orders/:id`: the order's redirect-gateway
 * payments and the timeline of gateway events recorded for them. A canceled
 * order whose payment is still captured at the gateway shows `refund_due`
 * (the customer is owed it there) until the refund is recorded.
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse) => {
  const sessions = await orderGatewaySessions(req.scope, req.params.id)
  const inbox = req.scope.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const events = sessions.length
    ? await inbox.listGatewayEvents(
        { session_id: sessions.map((s) => s.id) },
        { order: { created_at: "ASC" } }
      )
    : []
  const sessionCurrency = new Map<string, string | undefined>(
    sessions.map((session) => [session.id, session.data[SESSION_KEYS.currencyCode]])
  )
  const body: AdminOrderGatewayPaymentsResponse = {
    payments: sessions.map((session) => ({
      session_id: session.id,
      provider_id: session.provider_id,
      session_status: session.status,
      gateway: session.data[SESSION_KEYS.gateway],
      gateway_reference: session.data[SESSION_KEYS.gatewayReference] ?? null,
      gateway_status: session.data[SESSION_KEYS.gatewayStatus] ?? null,
      amount: session.data[SESSION_KEYS.gatewayAmount] ?? null,
      currency_code: session.data[SESSION_KEYS.currencyCode] ?? null,
      payment_id: session.payment?.id ?? null,
      refundable: refundable(session),
      refund_due: session.order_canceled ? refundable(session) : null,
    })),
    events: events.map((event) => {
      // not every gateway names the currency in its notification: it is the session's
      const currency = event.currency_code ?? sessionCurrency.get(event.session_id!) ?? null
      const amount = (event.raw_amount ?? event.amount) as BigNumberInput | null
      return {
        id: event.id,
        session_id: event.session_id,
        provider_id: event.provider_id,
        action: event.action,
        gateway_status: event.gateway_status,
        amount: amount === null || !currency ? null : toGatewayAmount(amount, currency),
        currency_code: currency,
        state: event.state,
        flag_reason: event.flag_reason,
        attempts: event.attempts,
        last_error: event.last_error,
        created_at: event.created_at,
        processed_at: event.processed_at,
      }
    }),
  }
  res.json(body)
}
