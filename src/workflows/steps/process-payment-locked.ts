import { processPaymentWorkflow, type ProcessPaymentWorkflowInput } from "@medusajs/medusa/core-flows"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"

/**
 * Medusa's processPaymentWorkflow, run as Medusa's own webhook subscriber runs
 * it: on its own, not as a sub-workflow. Medusa's lock steps do nothing inside
 * a sub-workflow, and without the cart lock the authorization or capture could
 * interleave with a completion of the same cart already in flight (the
 * storefront's, or another instance's), whose rollback then leaves a captured
 * payment and no order. Its own failure fails this step, so the event is retried.
 */
export const processPaymentLockedStep = createStep(
  "process-payment-under-cart-lock",
  async (input: ProcessPaymentWorkflowInput, { container }) => {
    await processPaymentWorkflow(container).run({ input })
    return new StepResponse(undefined)
  }
)
