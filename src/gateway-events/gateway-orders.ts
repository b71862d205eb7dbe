import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { redirectProviderRegistration } from "./registry"
import { DEFAULT_RECONCILE_AFTER_SECONDS } from "../lib/options"
import { SESSION_KEYS } from "../providers/base/session-data"

/**
 * Records the gateway orders of a payment collection right after a session
 * was created for it, and marks the ones whose session Medusa has dropped
 * (creating a session deletes the collection's others). Idempotent.
 */
export async function recordGatewayOrdersOfCollection(container: MedusaContainer, paymentCollectionId: string) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "payment_collection",
    fields: ["id", "cart.id", "payment_sessions.id", "payment_sessions.provider_id", "payment_sessions.data", "payment_sessions.currency_code"],
    filters: { id: paymentCollectionId },
  })
  const collection = data[0] as
    | { cart?: { id: string }; payment_sessions?: Array<{ id: string; provider_id: string; currency_code: string; data: Record<string, unknown> }> }
    | undefined
  if (!collection) return
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const sessions = (collection.payment_sessions ?? []).filter((session) => session.data?.[SESSION_KEYS.gateway])
  const known = new Set(
    (await inbox.listGatewayOrders({ payment_collection_id: paymentCollectionId }, { select: ["session_id"] })).map((o) => o.session_id)
  )
  const now = Date.now()
  const fresh = await Promise.all(
    sessions
      .filter((session) => !known.has(session.id))
      .map(async (session) => {
        const provider = (await redirectProviderRegistration(container, session.provider_id))?.provider
        return {
          provider_id: session.provider_id,
          session_id: session.id,
          payment_collection_id: paymentCollectionId,
          cart_id: collection.cart?.id ?? null,
          amount: String(session.data[SESSION_KEYS.gatewayAmount]),
          currency_code: String(session.data[SESSION_KEYS.currencyCode] ?? session.currency_code),
          gateway_reference: (session.data[SESSION_KEYS.gatewayReference] as string | null | undefined) ?? null,
          next_check_at: provider?.reconcileSession
            ? new Date(now + (provider.reconcileAfterSeconds ?? DEFAULT_RECONCILE_AFTER_SECONDS) * 1000)
            : null,
        }
      })
  )
  await inbox.recordGatewayOrders(fresh)
  await inbox.markGatewayOrdersDropped(
    paymentCollectionId,
    sessions.map((session) => session.id)
  )
}
