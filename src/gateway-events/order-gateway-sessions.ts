import { MathBN } from "@medusajs/framework/utils"
import type { BigNumberInput, MedusaContainer } from "@medusajs/framework/types"
import { SESSION_KEYS } from "../providers/base/session-data"
import { paymentSessionFields, queryOneById } from "./payment-session-query"

export type OrderGatewaySession = {
  id: string
  provider_id: string
  status: string
  data: Record<string, any>
  created_at: Date
  /** The Medusa payment made from the session, with what was captured and refunded (major units). */
  payment?: { id: string; captured: string; refunded: string }
  order_canceled: boolean
}

type Amounts = Array<{ amount: BigNumberInput; raw_amount?: BigNumberInput | null }> | null | undefined

/** The order fields queried below (Query returns them untyped). */
type QueriedOrder = {
  id: string
  status: string
  payment_collections?: Array<{
    payment_sessions?: Array<Omit<OrderGatewaySession, "payment" | "order_canceled">> | null
    payments?: Array<{ id: string; payment_session_id: string; captures?: Amounts; refunds?: Amounts }> | null
  }> | null
}

const total = (items: Amounts) =>
  (items ?? []).reduce((sum, item) => MathBN.add(sum, MathBN.convert(item.raw_amount ?? item.amount)), MathBN.convert(0))

/** An order's payment sessions that one of the plugin's gateways created; NOT_FOUND for an unknown order. */
export async function orderGatewaySessions(container: MedusaContainer, orderId: string): Promise<OrderGatewaySession[]> {
  const order = await queryOneById<QueriedOrder>(container, "order", orderId, [
    "id",
    "status",
    ...paymentSessionFields("payment_collections.payment_sessions"),
    "payment_collections.payments.id",
    "payment_collections.payments.payment_session_id",
    "payment_collections.payments.captures.amount",
    "payment_collections.payments.refunds.amount",
  ])
  const collections = order.payment_collections ?? []
  const payments = new Map(
    collections.flatMap((collection) => collection.payments ?? []).map((payment) => [payment.payment_session_id, payment])
  )
  return collections
    .flatMap((collection) => collection.payment_sessions ?? [])
    .filter((session) => session.data?.[SESSION_KEYS.gateway])
    .map((session): OrderGatewaySession => {
      const payment = payments.get(session.id)
      return {
        ...session,
        payment: payment && {
          id: payment.id,
          captured: total(payment.captures).toString(),
          refunded: total(payment.refunds).toString(),
        },
        order_canceled: order.status === "canceled",
      }
    })
}
