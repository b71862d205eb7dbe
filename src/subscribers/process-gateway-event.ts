import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { GATEWAY_EVENT_RECORDED } from "../gateway-events/inbox"
import { runGatewayEvent } from "../workflows/run-gateway-event"

export default async function processGatewayEventHandler({
  event,
  container,
}: SubscriberArgs<{ id: string }>) {
  await runGatewayEvent(container, event.data.id)
}

export const config: SubscriberConfig = {
  event: GATEWAY_EVENT_RECORDED,
  context: { subscriberId: "redirect-payments-process-gateway-event" },
}
