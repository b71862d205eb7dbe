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
    const claimed = await container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE).claimEvent(input.event_id)
    if (!claimed) {
      return new StepResponse<StoredGatewayEvent | null>(null)
    }
    const stored: StoredGatewayEvent = {
      id: claimed.id,
      provider_id: claimed.provider_id,
      session_id: claimed.session_id as string,
      action: isGatewayAction(claimed.action) ? claimed.action : "unknown",
      gateway_status: claimed.gateway_status,
      gateway_reference: claimed.gateway_reference ?? undefined,
      amount: claimed.amount as string,
      confirmation: claimed.confirmation as Record<string, unknown>,
    }
    return new StepResponse<StoredGatewayEvent | null>(stored)
  }
)
