import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import { openGatewaySessions, reconcileOneSession } from "../lib/reconcile"
import { redirectProviderRegistrations } from "../providers/registry"

const BATCH_SIZE = 50
const CONCURRENCY = 4

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
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const recorded: string[] = []
  for (const registration of await redirectProviderRegistrations(container)) {
    const { providerId, provider } = registration
    if (!provider.reconcileSession) continue
    const due = await openGatewaySessions(container, providerId, {
      statuses: ["pending", "authorized"],
      createdBefore: now - provider.reconcileAfterSeconds * 1000,
    })
    // each minute asks about the next slice, so no session waits behind ones that stay pending
    const start = due.length ? (Math.floor(now / 60_000) * BATCH_SIZE) % due.length : 0
    const batch = [...due.slice(start), ...due.slice(0, start)].slice(0, BATCH_SIZE)
    await inBatches(batch, CONCURRENCY, async (session) => {
      try {
        const outcome = await reconcileOneSession(container, registration, session, now)
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
