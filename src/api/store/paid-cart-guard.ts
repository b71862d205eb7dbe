import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { GATEWAY_INBOX_MODULE } from "../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../modules/gateway-inbox/service"

/** Inbox states of a verified payment that is being, or has been, turned into the order. */
const PAYING_STATES = ["received", "processing", "processed", "failed"]

/**
 * The gateway session of this payment collection whose payment the gateway
 * has confirmed (a verified, unflagged authorized or captured event), if any.
 */
async function paidGatewaySession(req: MedusaRequest, filters: { cart_id?: string; payment_collection_id?: string }) {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = filters.cart_id
    ? await query.graph({
        entity: "cart",
        fields: ["order.id", "payment_collection.payment_sessions.id"],
        filters: { id: filters.cart_id },
      })
    : await query.graph({
        entity: "payment_collection",
        fields: ["payment_sessions.id"],
        filters: { id: filters.payment_collection_id },
      })
  const found = data[0] as
    | { order?: { id: string }; payment_collection?: { payment_sessions?: { id: string }[] }; payment_sessions?: { id: string }[] }
    | undefined
  // a completed cart is Medusa's to refuse
  if (!found || found.order?.id) return undefined
  const sessionIds = (found.payment_collection?.payment_sessions ?? found.payment_sessions ?? []).map((s) => s.id)
  if (!sessionIds.length) return undefined
  const inbox = req.scope.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const [paid] = await inbox.listGatewayEvents(
    { session_id: sessionIds, action: ["authorized", "captured"], state: PAYING_STATES },
    { take: 1 }
  )
  return paid
}

/**
 * A cart the gateway has confirmed a payment for is frozen until it becomes
 * its order: any change would leave the payment for another total (Medusa
 * would try to drop the paid session and answer 500) or start a second one.
 * The order is made for what was paid.
 */
export function refuseChangesToPaidCart(idParam: "cart_id" | "payment_collection_id") {
  return async (req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction) => {
    const paid = await paidGatewaySession(req, { [idParam]: req.params.id })
    if (paid) {
      return next(
        new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `This cart is paid (${paid.provider_id}, status ${paid.gateway_status}); it cannot change any more. Complete it with POST /store/carts/{id}/complete: the order is made for what was paid.`
        )
      )
    }
    next()
  }
}
