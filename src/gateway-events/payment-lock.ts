import { randomUUID } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { MedusaError, Modules } from "@medusajs/framework/utils"
import type { ILockingModule, MedusaContainer } from "@medusajs/framework/types"

/** How long a refund waits for another refund of the same payment, and how long a lock outlives a crash. */
const WAIT_SECONDS = 30
const EXPIRE_SECONDS = 60

/** One key per Medusa payment: every refund of it (normal, or made at the gateway) takes it. */
export const paymentLockKey = (paymentId: string) => `redirect-payments:payment:${paymentId}`

/**
 * Takes the payment's lock with Medusa's locking module (Redis when the shop
 * runs several instances), waiting for the holder; returns its release.
 */
export async function lockPayment(container: MedusaContainer, paymentId: string): Promise<() => Promise<void>> {
  const locking = container.resolve<ILockingModule>(Modules.LOCKING)
  const key = paymentLockKey(paymentId)
  const ownerId = randomUUID()
  const until = Date.now() + WAIT_SECONDS * 1000
  for (;;) {
    try {
      await locking.acquire(key, { ownerId, expire: EXPIRE_SECONDS })
      break
    } catch {
      if (Date.now() >= until) {
        throw new MedusaError(MedusaError.Types.CONFLICT, `Another refund of payment ${paymentId} is still running; try again.`)
      }
      await sleep(100)
    }
  }
  return async () => {
    await locking.release(key, { ownerId })
  }
}

/** Runs `job` holding the payment's lock. */
export async function withPaymentLock<T>(container: MedusaContainer, paymentId: string, job: () => Promise<T>): Promise<T> {
  const release = await lockPayment(container, paymentId)
  try {
    return await job()
  } finally {
    await release()
  }
}
