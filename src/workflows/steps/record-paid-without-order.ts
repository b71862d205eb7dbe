import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { recordPaidWithoutOrder } from "../../gateway-events/paid-without-order"

/** Keeps a paid cart Medusa refused for the operator; returns the alert the event is flagged with. */
export const recordPaidWithoutOrderStep = createStep(
  "record-paid-without-order",
  async (input: { event_id: string; session_id: string; reason: string }, { container }) => {
    return new StepResponse(await recordPaidWithoutOrder(container, input))
  }
)
