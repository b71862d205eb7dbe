import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { reconcileOneSession } from "../lib/reconcile"
import { redirectProviderRegistrations } from "../providers/registry"
import { SESSION_KEYS } from "../lib/session-data"

const BATCH_SIZE = 50
const PAGE_SIZE = 100
const MAX_PAGES = 20
const CONCURRENCY = 4
/** Sessions older than this are abandoned checkouts or settled by hand: no longer asked about. */
const RECONCILE_FOR_MS = 7 * 24 * 3600_000

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(work))
  }
}

/**
 * A gateway's notification may be lost (the exchanger sends its IPN once),
 * and the customer may never come back to complete the cart. For every
 * provider with a status call, this asks the gateway about each session still
 * pending (or authorized but not captured) after `reconcileAfterSeconds`, and
 * records what it learns exactly as a verified notification would: same
 * inbox, same event keys, same processing. Bounded per run (a rotating slice
 * of at most 50 sessions per registration, 4 at a time, for 7 days after
 * creation); safe on several instances (the inbox is unique per event).
 */
export async function reconcilePendingPayments(container: MedusaContainer, now = Date.now()) {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const recorded: string[] = []
  for (const registration of redirectProviderRegistrations(container)) {
    const { providerId, provider } = registration
    if (!provider.reconcileSession) continue
    const createdAt = {
      $gte: new Date(now - RECONCILE_FOR_MS).toISOString(),
      $lte: new Date(now - provider.reconcileAfterSeconds * 1000).toISOString(),
    }
    // status is a column of payment_session even though the DTO filter type omits it
    const filters = { provider_id: providerId, status: ["pending", "authorized"], created_at: createdAt }
    // authorized sessions keep that status after capture or cancel: page past them, boundedly
    const due: Awaited<ReturnType<IPaymentModuleService["listPaymentSessions"]>> = []
    for (let page = 0; page < MAX_PAGES; page++) {
      const sessions = await paymentModule.listPaymentSessions(
        filters as Parameters<IPaymentModuleService["listPaymentSessions"]>[0],
        { relations: ["payment"], order: { created_at: "ASC" }, skip: page * PAGE_SIZE, take: PAGE_SIZE }
      )
      const settled = (s: (typeof sessions)[number]) => !!((s as any).payment?.captured_at || (s as any).payment?.canceled_at)
      due.push(...sessions.filter((s) => !settled(s) && s.data?.[SESSION_KEYS.gateway]))
      if (sessions.length < PAGE_SIZE) break
    }
    // each minute asks about the next slice, so no session waits behind ones that stay pending
    const start = due.length ? (Math.floor(now / 60_000) * BATCH_SIZE) % due.length : 0
    const batch = [...due.slice(start), ...due.slice(0, start)].slice(0, BATCH_SIZE)
    await inBatches(batch, CONCURRENCY, async (session) => {
      try {
        const outcome = await reconcileOneSession(
          container,
          registration,
          { id: session.id, data: session.data as Record<string, unknown>, created_at: session.created_at as Date },
          now
        )
        if (outcome?.event_id && !outcome.duplicate) recorded.push(outcome.event_id)
      } catch (error) {
        logger.warn(`Reconciliation of ${providerId} session ${session.id} failed: ${(error as Error).message}`)
      }
    })
  }
  return recorded
}

export default async function reconcilePendingPaymentsJob(container: MedusaContainer) {
  await reconcilePendingPayments(container)
}

export const config = {
  name: "redirect-payments-reconcile-pending-payments",
  schedule: "* * * * *",
}
