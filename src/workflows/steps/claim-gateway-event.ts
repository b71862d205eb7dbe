import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { GATEWAY_INBOX_MODULE } from "../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../modules/gateway-inbox/service"
import type { GatewayEvent } from "../../providers/base/redirect-provider"
import { GATEWAY_ACTIONS, GatewayAction } from "../../providers/base/session-data"

/** The one gateway event as the inbox stored it, taken for processing. */
export type StoredGatewayEvent = Pick<GatewayEvent, "action"> &
  Pick<GatewayEvent["data"], "session_id" | "gateway_status" | "gateway_reference"> & {
    id: string
    provider_id: string
    /** As the gateway wrote it. */
    amount: string
    confirmation: Record<string, unknown>
  }

const isGatewayAction = (action: string): action is GatewayAction => (GATEWAY_ACTIONS as readonly string[]).includes(action)

/** Takes the event for this run; null when another run holds it or it is settled. */
export const claimGatewayEventStep = createStep(
  "claim-gateway-event",
  async (input: { event_id: string }, { container }) => {
    const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    if (!(await inbox.claimEvent(input.event_id))) {
      return new StepResponse<StoredGatewayEvent | null>(null)
    }
    const event = await inbox.retrieveGatewayEvent(input.event_id)
    const stored: StoredGatewayEvent = {
      id: event.id,
      provider_id: event.provider_id,
      session_id: event.session_id as string,
      action: isGatewayAction(event.action) ? event.action : "unknown",
      gateway_status: event.gateway_status,
      gateway_reference: event.gateway_reference ?? undefined,
      amount: event.amount as unknown as string,
      confirmation: event.confirmation as Record<string, unknown>,
    }
    return new StepResponse<StoredGatewayEvent | null>(stored)
  }
)
