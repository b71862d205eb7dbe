import type { AuthenticatedMedusaRequest, MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { confirmedPaidSession, paidCartRefusal, releaseSessionsBeforeDrop } from "../../gateway-events/paid-sessions"

type GuardedCart = {
  id?: string
  customer_id?: string | null
  order?: { id: string } | null
  payment_collection?: { payment_sessions?: { id: string }[] | null } | null
  payment_sessions?: { id: string }[] | null
}

/** The cart (or, for a collection route, the collection and its cart's id) and its payment sessions. */
async function cartOf(req: MedusaRequest, idParam: "cart_id" | "payment_collection_id") {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const { data } =
    idParam === "cart_id"
      ? await query.graph({
          entity: "cart",
          fields: ["id", "customer_id", "order.id", "payment_collection.payment_sessions.id"],
          filters: { id: req.params.id },
        })
      : await query.graph({
          entity: "payment_collection",
          fields: ["payment_sessions.id", "cart.id", "cart.order.id"],
          filters: { id: req.params.id },
        })
  const found = data[0] as (GuardedCart & { cart?: GuardedCart | null }) | undefined
  if (!found) return undefined
  const cart = idParam === "cart_id" ? found : found.cart
  return {
    id: cart?.id,
    customer_id: cart?.customer_id ?? null,
    order_id: cart?.order?.id,
    session_ids: (found.payment_collection?.payment_sessions ?? found.payment_sessions ?? []).map((s) => s.id),
  }
}

/** The logged-in customer of a Store API request, if any. */
const actorOf = (req: MedusaRequest | AuthenticatedMedusaRequest) => ("auth_context" in req ? req.auth_context?.actor_id : undefined)

/**
 * A cart the gateway has confirmed a payment for is frozen until it becomes
 * its order: any change would leave the payment for another total (Medusa
 * would try to drop the paid session and answer 500) or start a second one.
 * The order is made for what was paid. Moving it to a customer account is
 * refused too (the transfer re-prices the cart for that customer: customer
 * group prices, promotions), except to the customer it belongs to already,
 * which changes nothing.
 *
 * Starting another payment drops the cart's sessions at once: a session paid
 * at the gateway whose notification is still on its way is found first (the
 * gateway is asked, or refuses to release it) and refused with the same 400,
 * before anything changes. Changes of the total are checked the same way
 * where Medusa drops the sessions (workflows/hooks/refuse-dropping-paid-sessions.ts).
 */
export function refuseChangesToPaidCart(
  idParam: "cart_id" | "payment_collection_id",
  options: { startsPayment?: boolean; transfersCustomer?: boolean } = {}
) {
  return async (req: MedusaRequest, _res: MedusaResponse, next: MedusaNextFunction) => {
    try {
      const cart = await cartOf(req, idParam)
      // a completed cart is Medusa's to refuse
      if (!cart || cart.order_id) return next()
      if (options.transfersCustomer && cart.customer_id && cart.customer_id === actorOf(req)) return next()
      const paid = await confirmedPaidSession(req.scope, cart.session_ids)
      if (paid) return next(paidCartRefusal(cart.id, `${paid.provider_id}, status ${paid.gateway_status}`))
      if (options.startsPayment) await releaseSessionsBeforeDrop(req.scope, cart.id, cart.session_ids)
      next()
    } catch (error) {
      next(error)
    }
  }
}
