import { completeCartWorkflow } from "@medusajs/medusa/core-flows"
import { MedusaError } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { cartOfSession } from "../../gateway-events/paid-without-order"

/**
 * Medusa's refusals of a cart that trying again will not change: not enough
 * stock, no shipping method, a cart it finds invalid. Anything else (a lock
 * held by another completion, a database or gateway hiccup) is retried.
 */
const LASTING_REFUSALS: string[] = [
  MedusaError.Types.INVALID_DATA,
  MedusaError.Types.NOT_ALLOWED,
  MedusaError.Types.NOT_FOUND,
  MedusaError.Types.INVALID_ARGUMENT,
]

/** Medusa's reason when it refused the cart for good, else undefined. */
export function lastingRefusal(error: unknown): string | undefined {
  const { type, message } = (error ?? {}) as { type?: string; message?: string }
  return type && LASTING_REFUSALS.includes(type) ? message || type : undefined
}

export type OrderForSession = { order_id: string | null; cart_id?: string; refused?: string }

/**
 * After a paid event, the session's cart must have become an order. Medusa's
 * processPaymentWorkflow lets the completion fail quietly, so it is tried
 * once more here (under the cart lock Medusa's completion takes) to learn
 * why: a lasting refusal is returned, for the operator to be told at once;
 * anything else fails the run, so the event is retried.
 */
export const ensureOrderForSessionStep = createStep(
  "ensure-order-for-session",
  async (input: { session_id: string }, { container }) => {
    const cart = await cartOfSession(container, input.session_id)
    if (!cart || cart.order_id) return new StepResponse<OrderForSession>({ order_id: cart?.order_id ?? null })
    const { result, errors } = await completeCartWorkflow(container).run({
      input: { id: cart.cart_id },
      throwOnError: false,
    })
    if (!errors.length && result?.id) return new StepResponse<OrderForSession>({ order_id: result.id, cart_id: cart.cart_id })
    const error = errors[0]?.error
    const refused = lastingRefusal(error)
    if (refused) return new StepResponse<OrderForSession>({ order_id: null, cart_id: cart.cart_id, refused })
    throw new MedusaError(
      MedusaError.Types.UNEXPECTED_STATE,
      `Cart ${cart.cart_id} was paid (session ${input.session_id}) but is not completed yet (${(error as { message?: string } | undefined)?.message ?? "no reason given"}); the event will be retried.`
    )
  }
)
