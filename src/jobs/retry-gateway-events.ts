import type { MedusaContainer } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { runGatewayEvent } from "../workflows/run-gateway-event"

const BATCH_SIZE = 50

/**
 * Crash recovery for the inbox: events stored but never processed (the
 * process died after acknowledging), failed events (retried with backoff),
 * and claims whose worker vanished. Claims make it safe on several instances.
 */
export default async function retryGatewayEventsJob(container: MedusaContainer) {
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  for (const id of await inbox.dueGatewayEvents(BATCH_SIZE)) {
    await runGatewayEvent(container, id)
  }
}

export const config = {
  name: "redirect-payments-retry-gateway-events",
  schedule: "* * * * *",
}
