import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { gatewayOf } from "../../storefront"

/** The gateways whose return URL templates take `{payment_collection_id}` and `{order_id}` (Romb's is set in its dashboard). */
const TEMPLATED = ["rubitpay", "exchanger"]

/**
 * `POST /store/payment-collections/:id/payment-sessions`: writes the
 * collection's id and its order's (for a payment link) into the session's
 * data, so a return URL template can send the customer back to the right
 * page. The values come from the path and Medusa's order link, over anything
 * the storefront wrote there; a collection with no order has no `order_id`.
 */
export async function fillReturnUrlIds(req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction) {
  try {
    const body = req.body as { provider_id?: unknown; data?: Record<string, unknown> } | undefined
    if (!body || typeof body.provider_id !== "string" || !TEMPLATED.includes(gatewayOf(body.provider_id) ?? "")) return next()
    const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
    const { data } = await query.graph({ entity: "payment_collection", fields: ["id", "order.id"], filters: { id: req.params.id } })
    const collection = data[0] as { id: string; order?: { id: string } | null } | undefined
    // a missing collection is Medusa's to refuse
    if (!collection) return next()
    const filled: Record<string, unknown> = { ...body.data, payment_collection_id: collection.id }
    if (collection.order) filled.order_id = collection.order.id
    else delete filled.order_id
    body.data = filled
    next()
  } catch (error) {
    next(error)
  }
}
