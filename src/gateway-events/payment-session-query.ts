import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"

/**
 * How the cart's payment status and an order's gateway payments read Medusa's
 * payment sessions through Query: the same session fields, below a cart's
 * one collection or an order's several, of one cart or order found by id.
 */

const PAYMENT_SESSION_FIELDS = ["id", "provider_id", "status", "data", "created_at"] as const

/** A payment session as Query returns `paymentSessionFields` (untyped there). */
export type QueriedPaymentSession = {
  id: string
  provider_id: string
  status: string
  data: Record<string, unknown> | null
  created_at: string | Date
}

/** Query's field paths of the payment sessions at `path`, e.g. "payment_collection.payment_sessions". */
export const paymentSessionFields = (path: string): string[] => PAYMENT_SESSION_FIELDS.map((field) => `${path}.${field}`)

const ENTITY_NAMES = { cart: "Cart", order: "Order", payment_collection: "Payment collection" } as const

/**
 * The cart or order `id` with `fields`; NOT_FOUND when there is none. Query
 * returns it untyped: `T` is the caller's word for what those fields make.
 */
export async function queryOneById<T>(
  container: MedusaContainer,
  entity: keyof typeof ENTITY_NAMES,
  id: string,
  fields: string[]
): Promise<T> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity, fields, filters: { id } })
  const found: T | undefined = data[0]
  if (!found) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `${ENTITY_NAMES[entity]} ${id} was not found.`)
  }
  return found
}
