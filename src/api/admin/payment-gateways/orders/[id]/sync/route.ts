import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { syncOrderGatewayPaymentsWorkflow } from "../../../../../../workflows/sync-order-gateway-payments"
import type { GatewaySyncResult } from "../../../../../../workflows/steps/sync-order-gateway-payments"

export type AdminGatewaySyncResponse = { results: GatewaySyncResult[] }

/**
 * `POST /admin/payment-gateways/orders/:id/sync`: asks each gateway of the
 * order's payments what it says now; news is processed like a notification.
 */
export const POST = async (req: MedusaRequest, res: MedusaResponse) => {
  const { result } = await syncOrderGatewayPaymentsWorkflow(req.scope).run({ input: { order_id: req.params.id } })
  res.json({ results: result } satisfies AdminGatewaySyncResponse)
}
