import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { recordGatewayOrdersOfCollection } from "../../gateway-events/gateway-orders"

/**
 * Once Medusa has created a payment session (and dropped the collection's
 * others), the plugin records the gateway orders it made before the
 * storefront gets its answer, so that a payment for a session the cart later
 * drops is still recognised and checked. Medusa offers no hook in its
 * session workflow, so this follows the Store API route storefronts use.
 */
export function recordGatewayOrdersAfterSessionCreated(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  const send = res.json.bind(res)
  res.json = (body: unknown) => {
    if (res.statusCode >= 300) return send(body)
    recordGatewayOrdersOfCollection(req.scope, req.params.id)
      .catch((error: Error) =>
        req.scope
          .resolve(ContainerRegistrationKeys.LOGGER)
          .error(`Could not record the gateway orders of payment collection ${req.params.id}: ${error.message}`)
      )
      .finally(() => send(body))
    return res
  }
  next()
}
