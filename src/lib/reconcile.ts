import type { MedusaContainer } from "@medusajs/framework/types"
import type { RedirectPaymentProvider, SessionToReconcile } from "./redirect-provider"
import { recordVerifiedGatewayEvent } from "./webhook-inbox"

export type ProviderRegistration = { providerId: string; provider: RedirectPaymentProvider<Record<string, unknown>> }

/**
 * Asks the gateway's status call about one session and records what is new
 * exactly as a verified notification would (same inbox, same event key).
 * Returns the gateway's word, or undefined when it had nothing new.
 */
export async function reconcileOneSession(
  container: MedusaContainer,
  { providerId, provider }: ProviderRegistration,
  session: SessionToReconcile,
  now: number
) {
  const result = await provider.reconcileSession!(session, now)
  if (!result?.data) return undefined
  const outcome = await recordVerifiedGatewayEvent(container, providerId, result, {
    source: "reconciliation",
    gateway_status: result.data.gateway_status,
  })
  return {
    gateway_status: result.data.gateway_status,
    action: result.action,
    event_id: outcome.event_id,
    duplicate: !!outcome.duplicate,
  }
}
