import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import type { PaymentDTO } from "@medusajs/framework/types"
import { z } from "zod"
import { recordRefundMadeAtGatewayWorkflow } from "../../../../../../workflows/record-refund-made-at-gateway"

export type AdminRefundMadeAtGatewayResponse = { payment: PaymentDTO }

export const refundMadeAtGatewayBody = z
  .object({
    amount: z.number().positive("must be more than 0"),
    note: z.string().trim().max(500).optional(),
  })
  .strict()

/**
 * `POST /admin/payment-gateways/payments/:id/refund-made-at-gateway`
 * `{ amount, note? }`: records on the payment a refund the operator made in
 * the gateway's dashboard, without calling the gateway.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const body = refundMadeAtGatewayBody.safeParse(req.body)
  if (!body.success) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      body.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ")
    )
  }
  const { result } = await recordRefundMadeAtGatewayWorkflow(req.scope).run({
    input: { payment_id: req.params.id, ...body.data, recorded_by: req.auth_context?.actor_id },
  })
  res.json({ payment: result } satisfies AdminRefundMadeAtGatewayResponse)
}
