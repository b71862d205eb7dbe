import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"

/**
 * Validates a provider's option block at boot. The message names the
 * gateway, each bad option and what is expected, and never echoes a value
 * (option blocks hold secrets).
 */
export function parseProviderOptions<S extends z.ZodType>(
  gateway: string,
  schema: S,
  options: unknown
): z.infer<S> {
  const result = schema.safeParse(options ?? {})
  if (result.success) {
    return result.data
  }
  const problems = result.error.issues
    .map((issue) => `\`${issue.path.join(".") || "(options)"}\`: ${issue.message}`)
    .join("; ")
  throw new MedusaError(
    MedusaError.Types.INVALID_DATA,
    `${gateway} payment provider options are invalid: ${problems}`
  )
}

export const secretOption = (what: string) =>
  z.string({ error: `required (${what})` }).trim().min(1, `must not be empty (${what})`)

export const urlOption = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .transform((url) => url.replace(/\/+$/, ""))

export const timeoutOption = z
  .number({ error: "must be a number of milliseconds" })
  .int()
  .min(100, "must be at least 100 ms")
  .max(120000, "must be at most 120000 ms")
  .default(15000)

/**
 * After the order exists, a gateway's failure, cancel or return cancels the
 * Medusa payment; with this option the order is canceled too.
 */
export const cancelOrderOnPaymentCancelOption = z.boolean({ error: "must be true or false" }).default(false)

export const DEFAULT_RECONCILE_AFTER_SECONDS = 120

/** How old an unconfirmed payment must be before reconciliation asks the gateway's status call. */
export const reconcileAfterOption = z
  .number({ error: "must be a number of seconds" })
  .int()
  .min(0, "must not be negative")
  .default(DEFAULT_RECONCILE_AFTER_SECONDS)

/** The registration's name shown to people (admin, storefront); each gateway has a default. */
export const displayNameOption = z.string({ error: "must be a name such as \"Card payment\"" }).trim().min(1).max(60).optional()
