import { addOrderTransactionStep, useQueryGraphStep } from "@medusajs/medusa/core-flows"
import { MathBN } from "@medusajs/framework/utils"
import { createWorkflow, transform, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { markRefundMadeAtGatewayStep, RefundMadeAtGatewayInput } from "./steps/mark-refund-made-at-gateway"
import { refundMadeAtGatewayStep } from "./steps/refund-made-at-gateway"

export const recordRefundMadeAtGatewayWorkflowId = "record-refund-made-at-gateway"

/**
 * The operator refunded the customer in the gateway's dashboard (Romb and
 * the exchangers have no refund call; RubitPay's dashboard can too): record
 * it on the Medusa payment through Medusa's own refund, without calling the
 * gateway, and on the payment's order (if it has one) as Medusa's refunds
 * are. Run it holding the payment's lock (`withPaymentLock`), as every
 * refund of a gateway payment is, so that the marker is taken by its refund.
 */
export const recordRefundMadeAtGatewayWorkflow = createWorkflow(
  recordRefundMadeAtGatewayWorkflowId,
  (input: RefundMadeAtGatewayInput) => {
    const marked = markRefundMadeAtGatewayStep(input)
    const refunded = refundMadeAtGatewayStep(
      transform({ marked, input }, ({ marked, input }) => ({
        ...marked,
        note: input.note ?? "Refunded in the payment gateway's dashboard",
        created_by: input.recorded_by,
      }))
    )
    const { data: payments } = useQueryGraphStep({
      entity: "payment",
      fields: ["id", "currency_code", "payment_collection.order.id"],
      filters: { id: input.payment_id },
    }).config({ name: "payment-order" })
    addOrderTransactionStep(
      transform({ payments, marked }, ({ payments, marked }) => {
        const payment = payments[0] as { id: string; currency_code: string; payment_collection?: { order?: { id: string } | null } }
        const orderId = payment?.payment_collection?.order?.id
        return orderId
          ? [{ order_id: orderId, amount: MathBN.mult(marked.amount, -1), currency_code: payment.currency_code, reference_id: payment.id, reference: "refund" }]
          : []
      })
    )
    return new WorkflowResponse(refunded)
  }
)
