import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { redirectProviderRegistrations } from "../../../gateway-events/registry"
import type { StorePaymentGatewaysResponse } from "../../../storefront"

/**
 * `GET /store/payment-gateways`: the plugin's enabled registrations with the
 * names a checkout shows. Medusa's `/store/payment-providers?region_id=` says
 * which of them the cart's region offers.
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse<StorePaymentGatewaysResponse>) => {
  const registrations = await redirectProviderRegistrations(req.scope)
  res.json({
    payment_gateways: registrations.map(({ providerId, provider }) => ({
      provider_id: providerId,
      gateway: provider.gatewayKey,
      name: provider.displayName,
    })),
  })
}
