import type { WebhookRefusalReason } from "./models/gateway-webhook-refusal"

/** A provider's refusals of one reason are written to the log at most this often. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000

/**
 * Which refused webhooks reach the log: the first of a provider and reason,
 * then at most one line a minute saying how many came since. A flood of
 * forged bodies costs the merchant's log one line a minute, not one per
 * request, and real errors stay readable; the admin's counters have them all.
 */
export class RefusalLog {
  private readonly last = new Map<string, { at: number; since: number }>()

  /** The line to log for this refusal, or undefined while the provider and reason are quiet. */
  line(providerId: string, reason: WebhookRefusalReason, message: string, at: number): string | undefined {
    const key = `${providerId}\n${reason}`
    const entry = this.last.get(key)
    if (entry && at - entry.at < REFUSAL_LOG_INTERVAL_MS) {
      entry.since++
      return undefined
    }
    const also = entry?.since ? ` (${entry.since} more since the last line)` : ""
    this.last.set(key, { at, since: 0 })
    return `Refused a webhook for ${providerId} (${reason})${also}: ${message}`
  }
}
