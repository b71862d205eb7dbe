import type { MedusaContainer } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE, } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { PROCESSING_LEASE_SECONDS } from "../modules/gateway-inbox/service"
import { runGatewayEvent } from "../workflows/run-gateway-event"

const BATCH_SIZE = 50
const MAX_ATTEMPTS = 10

/** Backoff before retry n: 1, 2, 4, ... minutes, at most an hour. */
export function retryDueAt(updatedAt: Date, attempts: number): Date {
  const minutes = Math.min(60, 2 ** Math.max(0, attempts - 1))
  return new Date(updatedAt.getTime() + minutes * 60_000)
}

/**
 * Crash recovery for the inbox: events stored but never processed (the
 * process died after acknowledging), failed events (retried with backoff),
 * and claims whose worker vanished. Claims make it safe on several instances.
 */
export default async function retryGatewayEventsJob(container: MedusaContainer) {
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const now = Date.now()
  const events = await inbox.listGatewayEvents(
    { state: ["received", "failed", "processing"] },
    { order: { created_at: "ASC" }, take: BATCH_SIZE }
  )
  const due = events.filter((event) => {
    const updated = new Date(event.updated_at).getTime()
    if (event.state === "received") return now - updated > 30_000
    if (event.state === "processing") return now - updated > PROCESSING_LEASE_SECONDS * 1000
    return event.attempts < MAX_ATTEMPTS && retryDueAt(new Date(event.updated_at), event.attempts).getTime() <= now
  })
  for (const event of due) {
    await runGatewayEvent(container, event.id)
  }
}

export const config = {
  name: "redirect-payments-retry-gateway-events",
  schedule: "* * * * *",
}
