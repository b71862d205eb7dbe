import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import { dueGatewaySessions, reconcileOneSession } from "../gateway-events/reconcile"
import { redirectProviderRegistrations } from "../gateway-events/registry"

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
 * provider with a status call, this asks the gateway about each open gateway
 * order the plugin recorded, from `reconcileAfterSeconds` after its creation
 * and then at doubling intervals (at most hourly) for 7 days, and records
 * what it learns exactly as a verified notification would: same inbox, same
 * event keys, same processing. Bounded per run (the 50 most overdue per
 * registration, 4 at a time); safe on several instances (orders are taken
 * with `skip locked`, and the inbox is unique per event).
 */
export async function reconcilePendingPayments(container: MedusaContainer, now = Date.now()) {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const recorded: string[] = []
  for (const registration of await redirectProviderRegistrations(container)) {
    const { providerId, provider } = registration
    if (!provider.reconcileSession) continue
    const due = await dueGatewaySessions(container, registration, { now, limit: BATCH_SIZE })
    await inBatches(due, CONCURRENCY, async (session) => {
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
