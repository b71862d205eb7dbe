import { z } from "zod"
import { fillTemplate } from "./templates"

export const secretOption = (what: string) =>
  z.string({ error: `required (${what})` }).trim().min(1, `must not be empty (${what})`)

export const urlOption = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .transform((url) => url.replace(/\/+$/, ""))

/**
 * A URL the plugin fills in per payment (`https://shop.example/checkout/{cart_id}`):
 * an http(s) URL once the placeholders are filled, with no other placeholder.
 */
export const urlTemplateOption = (placeholders: readonly string[]) => {
  const braced = placeholders.map((name) => `{${name}}`)
  const names = braced.length > 1 ? `${braced.slice(0, -1).join(", ")} and ${braced[braced.length - 1]}` : braced.join("")
  const sample = Object.fromEntries(placeholders.map((name) => [name, "x"]))
  return z.string({ error: `must be an http(s) URL (${names} are filled in)` }).superRefine((template, ctx) => {
    const filled = fillTemplate(template, sample, { url: true }) ?? ""
    if (/[{}]/.test(filled)) {
      ctx.addIssue({ code: "custom", message: `may use only the placeholders ${names}` })
    } else if (!urlOption.safeParse(filled).success) {
      ctx.addIssue({ code: "custom", message: `must be an http(s) URL once ${names} are filled in` })
    }
  })
}

/**
 * A return URL template (RubitPay's `successUrl`/`failUrl`, an exchanger's
 * `clientCallbackUrl`): the payment's session, and the cart or, for a payment
 * link, the payment collection and its order.
 */
export const returnUrlTemplateOption = () => urlTemplateOption(["session_id", "cart_id", "payment_collection_id", "order_id"])

/**
 * The ids a return URL template is filled with, in a session's input.
 * `cart_id` is the storefront's; the plugin's store middleware writes
 * `payment_collection_id` and `order_id` (fill-return-url-ids.ts). They only
 * say where the customer is sent back, never decide anything.
 */
export const returnUrlIdFields = {
  cart_id: z.string().trim().min(1).max(64).optional(),
  payment_collection_id: z.string().trim().min(1).max(64).optional(),
  order_id: z.string().trim().min(1).max(64).optional(),
}

/** The values of a return URL template for the session `sessionId`. */
export const returnUrlValues = (
  sessionId: string,
  input: { cart_id?: string; payment_collection_id?: string; order_id?: string }
): Record<string, string | undefined> => ({
  session_id: sessionId,
  cart_id: input.cart_id,
  payment_collection_id: input.payment_collection_id,
  order_id: input.order_id,
})

/** A host as `new URL(...).host` spells it, which is what a return URL is checked against. */
export const hostOption = z
  .string()
  .regex(/^([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/i, "must be a host such as shop.example or localhost:8000 (no scheme, no path)")
  .transform((host) => host.toLowerCase())

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
