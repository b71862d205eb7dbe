import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { isWebhookRefusal, paymentProviderId, receiveGatewayWebhook, ReceivedWebhook } from "../../../../gateway-events/inbox"

/**
 * Gateway webhooks: `POST /hooks/payment-gateways/{identifier}_{id}`.
 * Unlike Medusa's `/hooks/payment/:provider`, it verifies before it
 * acknowledges: 401 forged, 400 malformed or ambiguous, 404 unknown provider
 * or session, 200 once the event is stored (or was already), 5xx when it
 * could not be stored (the gateway retries). Only the raw bytes (and the
 * URL's raw query string) reach the provider: the framework's parse of the
 * body is never used, so no decision rests on a second parser. A refusal is
 * answered here in Medusa's error shape, not by Medusa's error handler, which
 * would log a line for every forged body; the intake logs them in summary.
 */
export const POST = async (req: MedusaRequest, res: MedusaResponse) => {
  const rawUrl = req.originalUrl ?? req.url
  const query = rawUrl.indexOf("?")
  let result: ReceivedWebhook
  try {
    result = await receiveGatewayWebhook(req.scope, paymentProviderId(req.params.provider), {
      data: {},
      rawData: (req as MedusaRequest & { rawBody?: Buffer }).rawBody ?? "",
      headers: req.headers,
      rawQuery: query === -1 ? undefined : rawUrl.slice(query + 1),
    })
  } catch (error) {
    if (!isWebhookRefusal(error)) throw error
    res.status(error.type === MedusaError.Types.UNAUTHORIZED ? 401 : 400).json({ type: error.type, message: error.message })
    return
  }
  res.status(200).json({ received: true, ...result })
}
