import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { GATEWAY_INBOX_MODULE } from "../../../../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../../../../modules/gateway-inbox/service"

type CartPaymentStatus = "pending" | "paid" | "failed" | "canceled"

/** The fields of the cart this route queries. */
type QueriedCart = {
  id: string
  order?: { id: string } | null
  payment_collection?: {
    payments?: Array<{ id: string }> | null
    payment_sessions?: Array<{ id: string; status: string; created_at: string | Date }> | null
  } | null
}

/**
 * `GET /store/carts/:id/payment-status`: what the storefront's return page
 * polls after the redirect, since a confirmed webhook completes the cart by
 * itself. Reads only what the plugin and Medusa wrote, never session data.
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse) => {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const { data: carts } = await query.graph({
    entity: "cart",
    fields: [
      "id",
      "order.id",
      "payment_collection.payments.id",
      "payment_collection.payment_sessions.id",
      "payment_collection.payment_sessions.status",
      "payment_collection.payment_sessions.created_at",
    ],
    filters: { id: req.params.id },
  })
  const cart: QueriedCart | undefined = carts[0]
  if (!cart) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Cart ${req.params.id} was not found.`)
  }
  // the order is created a moment before its payment is attached: paid means both
  if (cart.order?.id && cart.payment_collection?.payments?.length) {
    return res.json({ status: "paid" satisfies CartPaymentStatus, order_id: cart.order.id })
  }
  const sessions = [...(cart.payment_collection?.payment_sessions ?? [])].sort(
    (a, b) => new Date(b.created_at).getTime() - new Date(a.created_at).getTime()
  )
  const session = sessions[0]
  let status: CartPaymentStatus = "pending"
  if (session) {
    const inbox = req.scope.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    const [latest] = await inbox.listGatewayEvents(
      { session_id: session.id, state: ["processed", "received", "processing", "failed"] },
      { order: { created_at: "DESC" }, take: 1 }
    )
    const outcome = latest?.action ?? session.status
    status = outcome === "canceled" ? "canceled" : outcome === "failed" || outcome === "error" ? "failed" : "pending"
  }
  res.json({ status })
}
