import type { MedusaContainer } from "@medusajs/framework/types"
import { recordOperatorWarning } from "../gateway-events/inbox"
import { heldGatewaySessions } from "../gateway-events/reconcile"
import { redirectProviderRegistrations } from "../gateway-events/registry"
import { SESSION_KEYS } from "../providers/base/session-data"

/** How long before a hold ends the operator is told to capture or cancel it. */
const WARN_BEFORE_MS = 24 * 3600_000

/**
 * A held two-step payment (RubitPay `invoice/hold`) must be captured or
 * canceled before the gateway's hold ends. A day before, the operator gets a
 * flagged entry on the order's timeline and a notification in the admin's
 * feed — once per payment: the inbox's unique event key remembers it.
 */
export async function warnExpiringHolds(container: MedusaContainer, now = Date.now()) {
  const warned: string[] = []
  for (const { providerId, provider } of await redirectProviderRegistrations(container)) {
    if (!provider.holdExpiresAt) continue
    for (const session of await heldGatewaySessions(container, providerId)) {
      const expiresAt = provider.holdExpiresAt(session)
      if (!expiresAt || expiresAt.getTime() - now > WARN_BEFORE_MS) continue
      const id = await recordOperatorWarning(container, {
        providerId,
        sessionId: session.id,
        key: `${session.id}:hold-expiry`,
        action: "authorized",
        gatewayStatus: String(session.data[SESSION_KEYS.gatewayStatus] ?? "hold"),
        gatewayReference: (session.data[SESSION_KEYS.gatewayReference] as string | undefined) ?? null,
        reason: `the gateway holds this money only until ${expiresAt.toISOString()}: capture or cancel the payment before then`,
        payload: { source: "hold-expiry-warning", expires_at: expiresAt.toISOString() },
      })
      if (id) warned.push(id)
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
