import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import { orderGatewaySessions } from "../../gateway-events/order-gateway-sessions"
import { reconcileOneSession } from "../../gateway-events/reconcile"
import { SESSION_KEYS } from "../../providers/base/session-data"
import { redirectProviderRegistrations } from "../../gateway-events/registry"

export type GatewaySyncResult = {
  session_id: string
  provider_id: string
  /** What the gateway's status call says now (or the last known status when it has nothing new). */
  gateway_status?: string
  /** Whether the answer was news, recorded in the inbox and handed to processing. */
  recorded: boolean
  /** Why nothing could be asked (no status call, gateway error). */
  message?: string
}

/**
 * The operator's "sync with gateway": asks each gateway payment of the order
 * what its gateway says now, through the same path as reconciliation.
 * Nothing to compensate: what a gateway said stays said.
 */
export const syncOrderGatewayPaymentsStep = createStep(
  "sync-order-gateway-payments",
  async (input: { order_id: string }, { container }) => {
    const sessions = await orderGatewaySessions(container, input.order_id)
    const registrations = new Map((await redirectProviderRegistrations(container)).map((r) => [r.providerId, r]))
    const results: GatewaySyncResult[] = []
    for (const session of sessions) {
      const base = { session_id: session.id, provider_id: session.provider_id, recorded: false }
      const registration = registrations.get(session.provider_id)
      if (!registration?.provider.hasStatusCall || !registration.provider.reconcileSession) {
        results.push({
          ...base,
          gateway_status: session.data[SESSION_KEYS.gatewayStatus],
          message: `${registration?.provider.displayName ?? session.data[SESSION_KEYS.gateway]} has no status call: this payment follows its verified notifications.`,
        })
        continue
      }
      try {
        const found = await reconcileOneSession(container, registration, session, Date.now())
        results.push({
          ...base,
          gateway_status: found?.gateway_status ?? session.data[SESSION_KEYS.gatewayStatus],
          recorded: !!found?.event_id && !found.duplicate,
        })
      } catch (error) {
        results.push({ ...base, message: (error as Error).message })
      }
    }
    return new StepResponse(results)
  }
)
