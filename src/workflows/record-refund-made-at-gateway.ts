import { refundPaymentsWorkflow } from "@medusajs/medusa/core-flows"
import { createWorkflow, transform, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { markRefundMadeAtGatewayStep, RefundMadeAtGatewayInput } from "./steps/mark-refund-made-at-gateway"

export const recordRefundMadeAtGatewayWorkflowId = "record-refund-made-at-gateway"

/**
 * The operator refunded the customer in the gateway's dashboard (Romb and
 * the exchangers have no refund call; RubitPay's dashboard can too): record
 * it on the Medusa payment through Medusa's own refund workflow, without
 * calling the gateway. The plural workflow, as Medusa's order cancellation
 * uses it: a canceled order is where a refund made at the gateway is due.
 */
export const recordRefundMadeAtGatewayWorkflow = createWorkflow(
  recordRefundMadeAtGatewayWorkflowId,
  (input: RefundMadeAtGatewayInput) => {
    const marked = markRefundMadeAtGatewayStep(input)
    const refunded = refundPaymentsWorkflow.runAsStep({
      input: transform({ marked, input }, ({ marked, input }) => [
        {
          payment_id: marked.payment_id,
          amount: marked.amount,
          created_by: input.recorded_by,
          note: input.note ?? "Refunded in the payment gateway's dashboard",
        },
      ]),
    })
    return new WorkflowResponse(transform({ refunded }, ({ refunded }) => refunded[0]))
  }
)
