import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import { heldGatewaySessions } from "../gateway-events/reconcile"
import { SESSION_KEYS } from "../providers/base/session-data"
import { reportFlaggedEvent } from "../gateway-events/inbox"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { redirectProviderRegistrations } from "../gateway-events/registry"

/** How long before a hold ends the operator is told to capture or cancel it. */
const WARN_BEFORE_MS = 24 * 3600_000

/**
 * A held two-step payment (RubitPay `invoice/hold`) must be captured or
 * canceled before the gateway's hold ends. A day before, the operator gets a
 * flagged entry on the order's timeline and a notification in the admin's
 * feed — once per payment: the inbox's unique event key remembers it.
 */
export async function warnExpiringHolds(container: MedusaContainer, now = Date.now()) {
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const warned: string[] = []
  for (const { providerId, provider } of await redirectProviderRegistrations(container)) {
    if (!provider.holdExpiresAt) continue
    for (const session of await heldGatewaySessions(container, providerId)) {
      const data = session.data
      const expiresAt = provider.holdExpiresAt(session)
      if (!expiresAt || expiresAt.getTime() - now > WARN_BEFORE_MS) continue
      const reason = `the gateway holds this money only until ${expiresAt.toISOString()}: capture or cancel the payment before then`
      const { event, duplicate } = await inbox.recordEvent({
        provider_id: providerId,
        event_key: `${session.id}:hold-expiry`,
        session_id: session.id,
        action: "authorized",
        gateway_status: String(data[SESSION_KEYS.gatewayStatus] ?? "hold"),
        gateway_reference: (data[SESSION_KEYS.gatewayReference] as string | undefined) ?? null,
        state: "flagged",
        flag_reason: reason,
        payload: { source: "hold-expiry-warning", expires_at: expiresAt.toISOString() },
      })
      if (duplicate) continue
      await reportFlaggedEvent(container, { id: event.id, provider_id: providerId, session_id: session.id, reason })
      container.resolve(ContainerRegistrationKeys.LOGGER).warn(`Payment session ${session.id} (${providerId}): ${reason}`)
      warned.push(event.id)
    }
  }
  return warned
}

export default async function warnExpiringHoldsJob(container: MedusaContainer) {
  await warnExpiringHolds(container)
}

export const config = {
  name: "redirect-payments-warn-expiring-holds",
  schedule: "17 * * * *",
}
