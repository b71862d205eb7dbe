import { ContainerRegistrationKeys, MathBN, MedusaError } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import { SESSION_KEYS } from "./session-data"

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

type Amounts = Array<{ amount: unknown; raw_amount?: unknown }> | undefined

const total = (items: Amounts) =>
  (items ?? []).reduce((sum, item) => MathBN.add(sum, MathBN.convert((item.raw_amount ?? item.amount) as string)), MathBN.convert(0))

/** An order's payment sessions that one of the plugin's gateways created; NOT_FOUND for an unknown order. */
export async function orderGatewaySessions(container: MedusaContainer, orderId: string): Promise<OrderGatewaySession[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: orders } = await query.graph({
    entity: "order",
    fields: [
      "id",
      "status",
      "payment_collections.payment_sessions.id",
      "payment_collections.payment_sessions.provider_id",
      "payment_collections.payment_sessions.status",
      "payment_collections.payment_sessions.data",
      "payment_collections.payment_sessions.created_at",
      "payment_collections.payments.id",
      "payment_collections.payments.payment_session_id",
      "payment_collections.payments.captures.amount",
      "payment_collections.payments.refunds.amount",
    ],
    filters: { id: orderId },
  })
  const order = orders[0] as any
  if (!order) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Order ${orderId} was not found.`)
  }
  const collections: any[] = order.payment_collections ?? []
  const payments = new Map<string, { id: string; captures: Amounts; refunds: Amounts }>(
    collections.flatMap((collection) => collection.payments ?? []).map((payment: any) => [payment.payment_session_id, payment])
  )
  return collections
    .flatMap((collection) => collection.payment_sessions ?? [])
    .filter((session: OrderGatewaySession) => session.data?.[SESSION_KEYS.gateway])
    .map((session: OrderGatewaySession) => {
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
