import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { SESSION_KEYS } from "../lib/session-data"
import { reportFlaggedEvent } from "../lib/webhook-inbox"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { redirectProviderRegistrations } from "../providers/registry"

/** How long before a hold ends the operator is told to capture or cancel it. */
const WARN_BEFORE_MS = 24 * 3600_000
/** Holds last days, not weeks: older sessions are not looked at. */
const LOOK_BACK_MS = 7 * 24 * 3600_000
const MAX_SESSIONS = 500

/**
 * A held two-step payment (RubitPay `invoice/hold`) must be captured or
 * canceled before the gateway's hold ends. A day before, the operator gets a
 * flagged entry on the order's timeline and a notification in the admin's
 * feed — once per payment: the inbox's unique event key remembers it.
 */
export async function warnExpiringHolds(container: MedusaContainer, now = Date.now()) {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const warned: string[] = []
  for (const { providerId, provider } of redirectProviderRegistrations(container)) {
    if (!provider.holdExpiresAt) continue
    // status is a column of payment_session even though the DTO filter type omits it
    const filters = { provider_id: providerId, status: "authorized", created_at: { $gte: new Date(now - LOOK_BACK_MS).toISOString() } }
    const sessions = await paymentModule.listPaymentSessions(
      filters as Parameters<IPaymentModuleService["listPaymentSessions"]>[0],
      { relations: ["payment"], order: { created_at: "ASC" }, take: MAX_SESSIONS }
    )
    for (const session of sessions) {
      const payment = (session as any).payment
      if (!payment || payment.captured_at || payment.canceled_at) continue
      const data = session.data as Record<string, unknown>
      const expiresAt = provider.holdExpiresAt({ id: session.id, data, created_at: session.created_at as Date })
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
