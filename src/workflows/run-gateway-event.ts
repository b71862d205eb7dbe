import type { MedusaContainer } from "@medusajs/framework/types"
import { reportExhaustedEvent } from "../gateway-events/paid-without-order"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import { MAX_PROCESSING_ATTEMPTS } from "../modules/gateway-inbox/service"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { processGatewayEventWorkflow } from "./process-gateway-event"

/**
 * Runs the processing workflow for one stored event and records a failure
 * on the event, where the retry job finds it; the last allowed attempt
 * goes to the operator instead.
 */
export async function runGatewayEvent(container: MedusaContainer, eventId: string) {
  const { errors } = await processGatewayEventWorkflow(container).run({
    input: { event_id: eventId },
    throwOnError: false,
  })
  if (errors.length) {
    const message = errors.map((e) => e.error?.message ?? String(e.error)).join("; ")
    const failed = await container
      .resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
      .settleEvent(eventId, { state: "failed", error: message })
    if (failed.attempts >= MAX_PROCESSING_ATTEMPTS) {
      await reportExhaustedEvent(container, failed, message)
      return
    }
    container.resolve("logger").warn(`Gateway event ${eventId} failed and will be retried: ${message}`)
  }
}
