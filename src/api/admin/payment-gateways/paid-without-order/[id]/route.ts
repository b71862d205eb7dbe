import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { PAID_WITHOUT_ORDER_ACTIONS, resolvePaidWithoutOrder } from "../../../../../workflows/resolve-paid-without-order"

export const resolvePaidWithoutOrderBody = z
  .object({
    action: z.enum(PAID_WITHOUT_ORDER_ACTIONS),
    note: z.string().trim().min(1).max(500).optional(),
  })
  .strict()

/**
 * `POST /admin/payment-gateways/paid-without-order/:id` `{ action, note? }`:
 * `place_order` (complete the cart, once Medusa accepts it), `release_hold`
 * (cancel the gateway's hold), `refund` (through the gateway's refund API),
 * `record_refund` (a refund made in the gateway's dashboard). Answers the
 * resolved record, or the gateway's or Medusa's refusal.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const body = resolvePaidWithoutOrderBody.safeParse(req.body)
  if (!body.success) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      body.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ")
    )
  }
  const resolved = await resolvePaidWithoutOrder(req.scope, req.params.id, { ...body.data, actor_id: req.auth_context?.actor_id })
  res.json({ payment: resolved })
}
