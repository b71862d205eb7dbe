import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { GATEWAY_EVENT_FLAGGED, GatewayEventFlagged } from "../gateway-events/inbox"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"

/** The order a payment session belongs to, if the cart has become one. */
async function orderOfSession(container: SubscriberArgs["container"], sessionId: string) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: sessions } = await query.graph({
    entity: "payment_session",
    fields: ["payment_collection_id"],
    filters: { id: sessionId },
  })
  const collectionId = sessions[0]?.payment_collection_id
  if (!collectionId) return undefined
  const { data: links } = await query.graph({
    entity: "order_payment_collection",
    fields: ["order.id", "order.display_id"],
    filters: { payment_collection_id: collectionId },
  })
  return (links[0] as { order?: { id: string; display_id: number } } | undefined)?.order
}

/**
 * A payment that needs the operator (an amount that does not match, a frozen
 * exchange, money for a session the cart dropped…) goes to the admin's
 * notification feed, so nobody has to watch logs to find it.
 */
export default async function notifyOperatorOfFlaggedEvent({
  event,
  container,
}: SubscriberArgs<GatewayEventFlagged>) {
  const { provider_id, session_id, reason } = event.data
  const order = await orderOfSession(container, session_id)
  const [withoutOrder] = order
    ? []
    : await container
        .resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
        .listPaidWithoutOrders({ session_id, state: "open" }, { take: 1 })
  await container.resolve(Modules.NOTIFICATION).createNotifications({
    to: "",
    channel: "feed",
    template: "admin-ui",
    data: {
      title: order
        ? `Payment of order #${order.display_id} needs attention`
        : withoutOrder
          ? "Paid, but the order could not be placed"
          : "A gateway payment needs attention",
      description: `${provider_id}, payment session ${session_id}: ${reason}.`,
    },
  })
}

export const config: SubscriberConfig = {
  event: GATEWAY_EVENT_FLAGGED,
  context: { subscriberId: "redirect-payments-notify-operator" },
}
