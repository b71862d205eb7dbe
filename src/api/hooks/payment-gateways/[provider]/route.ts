import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { paymentProviderId, receiveGatewayWebhook } from "../../../../lib/webhook-inbox"

/**
 * Gateway webhooks: `POST /hooks/payment-gateways/{identifier}_{id}`.
 * Unlike Medusa's `/hooks/payment/:provider`, it verifies before it
 * acknowledges: 401 forged, 400 malformed, 404 unknown provider or session,
 * 200 once the event is stored (or was already).
 */
export const POST = async (req: MedusaRequest, res: MedusaResponse) => {
  const result = await receiveGatewayWebhook(req.scope, paymentProviderId(req.params.provider), {
    data: (req.body ?? {}) as Record<string, unknown>,
    rawData: (req as MedusaRequest & { rawBody?: Buffer }).rawBody ?? "",
    headers: req.headers,
    // the exchanger's IPN URL names the session in its query string
    query: req.query,
  } as Parameters<typeof receiveGatewayWebhook>[2])
  res.status(200).json({ received: true, ...result })
}
