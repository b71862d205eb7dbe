import type { MedusaContainer } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { processGatewayEventWorkflow } from "./process-gateway-event"

/**
 * Runs the processing workflow for one stored event and records a failure
 * on the event, where the retry job and the operator find it.
 */
export async function runGatewayEvent(container: MedusaContainer, eventId: string) {
  const { errors } = await processGatewayEventWorkflow(container).run({
    input: { event_id: eventId },
    throwOnError: false,
  })
  if (errors.length) {
    const message = errors.map((e) => e.error?.message ?? String(e.error)).join("; ")
    await container
      .resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
      .settleEvent(eventId, { state: "failed", error: message })
    container.resolve("logger").warn(`Gateway event ${eventId} failed and will be retried: ${message}`)
  }
}
