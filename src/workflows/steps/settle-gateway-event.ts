import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { GATEWAY_INBOX_MODULE } from "../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../modules/gateway-inbox/service"

export const settleGatewayEventStep = createStep(
  "settle-gateway-event",
  async (
    input: { event_id: string; state: "processed" | "flagged" | "ignored"; flag_reason?: string },
    { container }
  ) => {
    const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    await inbox.settleEvent(input.event_id, input)
    return new StepResponse(undefined)
  }
)
