import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { cartPaymentStatus } from "../../../../../gateway-events/payment-status"
import type { StoreCartPaymentStatusResponse } from "../../../../../storefront"

/**
 * `GET /store/carts/:id/payment-status`: what the storefront's return page
 * polls after the redirect (a confirmed payment completes the cart by itself).
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse<StoreCartPaymentStatusResponse>) => {
  res.json(await cartPaymentStatus(req.scope, req.params.id))
}
