import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"

/**
 * After a paid event, the session's cart must have become an order. If the
 * completion did not happen (Medusa lets it fail quietly), fail the run so
 * the event is retried instead of being marked done with no order.
 */
export const ensureOrderForSessionStep = createStep(
  "ensure-order-for-session",
  async (input: { session_id: string }, { container }) => {
    const query = container.resolve(ContainerRegistrationKeys.QUERY)
    const { data: sessions } = await query.graph({
      entity: "payment_session",
      fields: ["payment_collection_id"],
      filters: { id: input.session_id },
    })
    const collectionId = sessions[0]?.payment_collection_id
    const { data: links } = await query.graph({
      entity: "cart_payment_collection",
      fields: ["cart_id", "cart.order.id"],
      filters: { payment_collection_id: collectionId },
    })
    const link = links[0] as { cart_id?: string; cart?: { order?: { id: string } } } | undefined
    if (link?.cart_id && !link.cart?.order?.id) {
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `Cart ${link.cart_id} was paid (session ${input.session_id}) but is not completed yet; the event will be retried.`
      )
    }
    return new StepResponse(link?.cart?.order?.id ?? null)
  }
)
