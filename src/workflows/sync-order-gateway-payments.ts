import { createWorkflow, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { syncOrderGatewayPaymentsStep } from "./steps/sync-order-gateway-payments"

export const syncOrderGatewayPaymentsWorkflowId = "sync-order-gateway-payments"

/** Asks the gateways of an order's payments for their current word and records what is new. */
export const syncOrderGatewayPaymentsWorkflow = createWorkflow(
  syncOrderGatewayPaymentsWorkflowId,
  (input: { order_id: string }) => new WorkflowResponse(syncOrderGatewayPaymentsStep(input))
)
