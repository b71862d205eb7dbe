import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError, Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService, PaymentDTO } from "@medusajs/framework/types"
import { z } from "zod"
import { withPaymentLock } from "../../../../../../gateway-events/payment-lock"
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
 * the gateway's dashboard, without calling the gateway. A refund Medusa
 * refuses (more than is captured and not yet refunded) answers its error.
 */
export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  const body = refundMadeAtGatewayBody.safeParse(req.body)
  if (!body.success) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      body.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ")
    )
  }
  // the payment's lock, which every refund of it takes: the marker is consumed by this refund and no other
  await withPaymentLock(req.scope, req.params.id, () =>
    recordRefundMadeAtGatewayWorkflow(req.scope).run({
      input: { payment_id: req.params.id, ...body.data, recorded_by: req.auth_context?.actor_id },
    })
  )
  const payment = await req.scope
    .resolve<IPaymentModuleService>(Modules.PAYMENT)
    .retrievePayment(req.params.id, { relations: ["refunds"] })
  res.json({ payment } satisfies AdminRefundMadeAtGatewayResponse)
}
