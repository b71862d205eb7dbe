import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { paymentCollectionPaymentStatus } from "../../../../../gateway-events/payment-status"
import type { StorePaymentCollectionPaymentStatusResponse } from "../../../../../storefront"

/**
 * `GET /store/payment-collections/:id/payment-status`: what a payment link's
 * page polls after the redirect (a confirmed payment is recorded on the order
 * by itself).
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse<StorePaymentCollectionPaymentStatusResponse>) => {
  res.json(await paymentCollectionPaymentStatus(req.scope, req.params.id))
}
