import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import { SESSION_KEYS } from "./session-data"

export type OrderGatewaySession = {
  id: string
  provider_id: string
  status: string
  data: Record<string, any>
  created_at: Date
}

/** An order's payment sessions that one of the plugin's gateways created; NOT_FOUND for an unknown order. */
export async function orderGatewaySessions(container: MedusaContainer, orderId: string): Promise<OrderGatewaySession[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: orders } = await query.graph({
    entity: "order",
    fields: [
      "id",
      "payment_collections.payment_sessions.id",
      "payment_collections.payment_sessions.provider_id",
      "payment_collections.payment_sessions.status",
      "payment_collections.payment_sessions.data",
      "payment_collections.payment_sessions.created_at",
    ],
    filters: { id: orderId },
  })
  const order = orders[0] as any
  if (!order) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Order ${orderId} was not found.`)
  }
  return (order.payment_collections ?? [])
    .flatMap((collection: any) => collection.payment_sessions ?? [])
    .filter((session: OrderGatewaySession) => session.data?.[SESSION_KEYS.gateway])
}
