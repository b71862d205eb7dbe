import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { GATEWAY_INBOX_MODULE } from "../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../modules/gateway-inbox/service"

/** Takes the event for this run; null when another run holds it or it is settled. */
export const claimGatewayEventStep = createStep(
  "claim-gateway-event",
  async (input: { event_id: string }, { container }) => {
    const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    if (!(await inbox.claimEvent(input.event_id))) {
      return new StepResponse(null)
    }
    const event = await inbox.retrieveGatewayEvent(input.event_id)
    return new StepResponse({
      id: event.id,
      provider_id: event.provider_id,
      session_id: event.session_id as string,
      action: event.action,
      gateway_status: event.gateway_status,
      gateway_reference: event.gateway_reference ?? undefined,
      amount: event.amount as unknown as string,
      confirmation: event.confirmation as Record<string, unknown>,
    })
  }
)

export type ClaimedGatewayEvent = NonNullable<
  Awaited<ReturnType<typeof claimGatewayEventStep>>
>
