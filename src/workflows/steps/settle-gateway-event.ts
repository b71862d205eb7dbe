import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { reportFlaggedEvent } from "../../gateway-events/inbox"
import { GATEWAY_INBOX_MODULE } from "../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../modules/gateway-inbox/service"

const FINAL_ACTIONS = ["captured", "canceled", "failed"]

export const settleGatewayEventStep = createStep(
  "settle-gateway-event",
  async (
    input: { event_id: string; state: "processed" | "flagged" | "ignored"; flag_reason?: string },
    { container }
  ) => {
    const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    const event = await inbox.settleEvent(input.event_id, input)
    // the gateway's final word: its order needs no more reconciliation
    if (input.state === "processed" && event.session_id && FINAL_ACTIONS.includes(event.action)) {
      await inbox.settleGatewayOrders([event.session_id])
    }
    // flagged now, or processed with a warning the gateway gave (e.g. a frozen exchange): once the order exists
    if (event.flag_reason && input.state !== "ignored") {
      await reportFlaggedEvent(container, {
        id: event.id,
        provider_id: event.provider_id,
        session_id: event.session_id!,
        reason: event.flag_reason,
      })
    }
    return new StepResponse(undefined)
  }
)
