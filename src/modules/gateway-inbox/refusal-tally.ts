import type { WebhookRefusalReason } from "./models/gateway-webhook-refusal"

/** Refusals of one provider, hour and reason not yet written. */
export type RefusalCount = {
  provider_id: string
  /** The start of the hour the refusals fell in. */
  hour: Date
  reason: WebhookRefusalReason
  count: number
  /** When the latest of them was refused. */
  last_at: Date
}

const HOUR_MS = 60 * 60 * 1000

/**
 * Refused webhooks counted in memory, per provider, hour and reason, until
 * they are written: a refusal costs an attacker's flood no database work, and
 * the tally holds one entry per key however many arrive (the provider is
 * always a registered one, so the keys are few).
 */
export class RefusalTally {
  private readonly counts = new Map<string, RefusalCount>()

  count(providerId: string, reason: WebhookRefusalReason, at: Date) {
    this.add(providerId, reason, at, 1)
  }

  /** Everything counted so far, and the tally empty. */
  take(): RefusalCount[] {
    const taken = [...this.counts.values()]
    this.counts.clear()
    return taken
  }

  /** Puts back counts that could not be written, adding to what came since. */
  restore(counts: RefusalCount[]) {
    for (const { provider_id, reason, count, last_at } of counts) this.add(provider_id, reason, last_at, count)
  }

  private add(providerId: string, reason: WebhookRefusalReason, at: Date, count: number) {
    const hour = new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS)
    const key = `${providerId}\n${hour.toISOString()}\n${reason}`
    const entry = this.counts.get(key)
    if (entry) {
      entry.count += count
      if (at > entry.last_at) entry.last_at = at
    } else {
      this.counts.set(key, { provider_id: providerId, hour, reason, count, last_at: at })
    }
  }
}
