import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MathBN } from "@medusajs/framework/utils"
import { GATEWAY_INBOX_MODULE } from "../../../../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../../../../modules/gateway-inbox/service"
import { toGatewayAmount } from "../../../../../lib/money"
import { OrderGatewaySession, orderGatewaySessions } from "../../../../../gateway-events/order-gateway-sessions"
import { redirectProviderRegistrations } from "../../../../../gateway-events/registry"
import { SESSION_KEYS } from "../../../../../providers/base/session-data"
import { AdminGatewayEvent, adminGatewayEvent, isGatewayWord, paymentPageUrl } from "../../gateway-event-view"

/** One gateway payment of the order, as the admin widget shows it. */
export type AdminGatewayPayment = {
  session_id: string
  provider_id: string
  /** The registration's name, e.g. "RubitPay (two-step)" (the provider id when it is no longer configured). */
  name: string
  /** Whether the gateway can be asked now ("Sync with gateway"); otherwise the payment follows its notifications. */
  has_status_call: boolean
  session_status: string
  gateway: string
  gateway_reference: string | null
  /** The gateway's payment page for this payment, where the gateway has one. */
  payment_page_url: string | null
  gateway_status: string | null
  /** When the gateway last said something about this payment (a webhook or its status call). */
  last_gateway_word_at: Date | string | null
  amount: string | null
  currency_code: string | null
  payment_id: string | null
  /** Captured and not yet refunded. */
  refundable: string | null
  /** A canceled order's payment still captured at the gateway: what the customer is owed there. */
  refund_due: string | null
}

export type { AdminGatewayEvent }

export type AdminOrderGatewayPaymentsResponse = { payments: AdminGatewayPayment[]; events: AdminGatewayEvent[] }

/** What is captured and not yet refunded on the session's payment, at the currency's precision. */
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
  const providers = new Map(
    (await redirectProviderRegistrations(req.scope)).map(({ providerId, provider }) => [providerId, provider])
  )
  // events are oldest first: the last gateway word of a session wins
  const lastGatewayWordAt = new Map(
    events.filter((event) => event.session_id && isGatewayWord(event)).map((event) => [event.session_id, event.created_at])
  )
  const sessionCurrency = new Map<string, string | undefined>(
    sessions.map((session) => [session.id, session.data[SESSION_KEYS.currencyCode]])
  )
  const body: AdminOrderGatewayPaymentsResponse = {
    payments: sessions.map((session) => {
      const provider = providers.get(session.provider_id)
      return {
        session_id: session.id,
        provider_id: session.provider_id,
        name: provider?.displayName ?? session.provider_id,
        has_status_call: provider?.hasStatusCall ?? false,
        session_status: session.status,
        gateway: session.data[SESSION_KEYS.gateway],
        gateway_reference: session.data[SESSION_KEYS.gatewayReference] ?? null,
        payment_page_url: paymentPageUrl(session.data[SESSION_KEYS.redirectUrl]),
        gateway_status: session.data[SESSION_KEYS.gatewayStatus] ?? null,
        last_gateway_word_at: lastGatewayWordAt.get(session.id) ?? null,
        amount: session.data[SESSION_KEYS.gatewayAmount] ?? null,
        currency_code: session.data[SESSION_KEYS.currencyCode] ?? null,
        payment_id: session.payment?.id ?? null,
        refundable: refundable(session),
        refund_due: session.order_canceled ? refundable(session) : null,
      }
    }),
    events: events.map((event) => adminGatewayEvent(event, sessionCurrency.get(event.session_id!))),
  }
  res.json(body)
}
