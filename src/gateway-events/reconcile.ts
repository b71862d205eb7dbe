import { Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import type { RedirectPaymentProvider, SessionToReconcile } from "../providers/base/redirect-provider"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { recordVerifiedGatewayEvent } from "./inbox"

/** Sessions older than this are abandoned checkouts or settled by hand: the jobs no longer look at them. */
export const FOLLOW_SESSIONS_FOR_MS = 7 * 24 * 3600_000

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

/**
 * The registration's gateway orders due for a check (the plugin's own
 * records, indexed by state and next check: never a page through settled
 * payments), taken atomically so that two instances split them, as sessions
 * to ask the gateway about. Records whose payment is over in Medusa
 * (captured or canceled) or that are older than FOLLOW_SESSIONS_FOR_MS are
 * settled on the way; those whose session Medusa no longer has are dropped.
 */
export async function dueGatewaySessions(
  container: MedusaContainer,
  { providerId, provider }: ProviderRegistration,
  { now, limit }: { now: number; limit: number }
): Promise<SessionToReconcile[]> {
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const due = await inbox.takeDueGatewayOrders(providerId, {
    now: new Date(now),
    limit,
    retryAfterMs: provider.reconcileAfterSeconds * 1000,
  })
  if (!due.length) return []
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const sessions = await paymentModule.listPaymentSessions({ id: due.map((order) => order.session_id) }, { relations: ["payment"] })
  const byId = new Map(sessions.map((session) => [session.id, session]))
  const open: SessionToReconcile[] = []
  const settled: string[] = []
  for (const order of due) {
    const session = byId.get(order.session_id)
    const payment = session?.payment
    if (!session) continue
    if (payment?.captured_at || payment?.canceled_at || now - new Date(order.created_at).getTime() > FOLLOW_SESSIONS_FOR_MS) {
      settled.push(session.id)
      continue
    }
    open.push({ id: session.id, data: session.data as Record<string, unknown>, created_at: session.created_at as Date })
  }
  await inbox.settleGatewayOrders(settled)
  const gone = due.filter((order) => !byId.has(order.session_id)).map((order) => order.session_id)
  if (gone.length) await inbox.markSessionsDropped(gone)
  return open
}

/**
 * A registration's payments held at the gateway and not yet captured or
 * canceled in Medusa: its open gateway orders (the plugin's own records)
 * whose session is authorized.
 */
export async function heldGatewaySessions(container: MedusaContainer, providerId: string): Promise<SessionToReconcile[]> {
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const open = await inbox.listGatewayOrders({ provider_id: providerId, state: "open" }, { select: ["session_id"] })
  if (!open.length) return []
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  // status is a column of payment_session even though the DTO filter type omits it
  const filters = { id: open.map((order) => order.session_id), status: "authorized" } as Parameters<
    IPaymentModuleService["listPaymentSessions"]
  >[0]
  const sessions = await paymentModule.listPaymentSessions(filters, { relations: ["payment"] })
  return sessions
    .filter((session) => !session.payment?.captured_at && !session.payment?.canceled_at)
    .map((session) => ({ id: session.id, data: session.data as Record<string, unknown>, created_at: session.created_at as Date }))
}
