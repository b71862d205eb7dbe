import { refreshPaymentCollectionForCartWorkflow } from "@medusajs/medusa/core-flows"
import { ContainerRegistrationKeys, MathBN } from "@medusajs/framework/utils"
import { releaseSessionsBeforeDrop } from "../../gateway-events/paid-sessions"

type RefreshedCart = {
  id: string
  currency_code: string
  raw_total: { value: string } | string | number
  payment_collection?: { raw_amount?: { value: string } | null; currency_code: string; payment_sessions?: { id: string }[] | null } | null
}

/**
 * Where Medusa drops a cart's payment sessions because its total changes
 * (any store route that changes items, promotions, shipping, region or the
 * customer), before it does and before the collection's amount changes: a
 * gateway session paid at the gateway, its notification still on the way,
 * refuses the change with a clear 400 instead of Medusa's 500 half-way.
 */
refreshPaymentCollectionForCartWorkflow.hooks.validate(async ({ input }, { container }) => {
  const cartId = input.cart_id ?? input.cart?.id
  if (!cartId) return
  const { data } = await container.resolve(ContainerRegistrationKeys.QUERY).graph({
    entity: "cart",
    fields: ["id", "currency_code", "raw_total", "payment_collection.raw_amount", "payment_collection.currency_code", "payment_collection.payment_sessions.id"],
    filters: { id: cartId },
  })
  const cart = data[0] as RefreshedCart | undefined
  const collection = cart?.payment_collection
  if (!cart || !collection?.payment_sessions?.length) return
  const unchanged =
    collection.raw_amount && MathBN.eq(collection.raw_amount, cart.raw_total) && collection.currency_code === cart.currency_code
  if (unchanged) return
  await releaseSessionsBeforeDrop(container, cart.id, collection.payment_sessions.map((session) => session.id))
})
