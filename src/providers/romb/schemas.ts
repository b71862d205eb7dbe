import { z } from "zod"
import {
  decimalAmountField,
  gatewayIdField,
  isoDateTimeField,
  paymentSessionIdField,
  sha256HexField,
  statusWordField,
} from "../../lib/notification-fields"
import { cancelOrderOnPaymentCancelOption, displayNameOption, secretOption, timeoutOption, urlOption } from "../../lib/options"

export const rombOptionsSchema = z.strictObject({
  uid: secretOption("the merchant UID from the Romb shop settings"),
  publicKey: secretOption("the shop's public API key"),
  privateKey: secretOption("the shop's private API key"),
  /** Key of the webhook HMAC ("your secret token" in Romb's doc). */
  webhookSecret: secretOption("the webhook signing token").optional(),
  baseUrl: urlOption.default("https://romb.mx"),
  /** Payment description; `{session_id}`, `{amount}` and `{currency}` are filled in. */
  description: z.string().max(255).optional(),
  timeoutMs: timeoutOption,
  cancelOrderOnPaymentCancel: cancelOrderOnPaymentCancelOption,
  displayName: displayNameOption,
})

export type RombOptionsInput = z.input<typeof rombOptionsSchema>
export type RombOptions = z.output<typeof rombOptionsSchema>

/** What a storefront may pass as payment session data for Romb. */
export const rombSessionInputSchema = z.object({
  email: z.email({ error: "must be an email address" }).optional(),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()-]{7,20}$/, "must be a phone number such as +79991234567")
    .optional(),
  description: z.string().trim().min(1).max(255).optional(),
})

export type RombCreateOrderRequest = {
  orderNumber: string
  amount: number
  currency: number
  description?: string
  email?: string
  phone?: string
}

export const rombCreateOrderResponseSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("success"),
    data: z.object({
      orderId: z.union([z.string(), z.number()]).transform(String),
      formUrl: z.url(),
    }),
  }),
  z.object({
    status: z.literal("error"),
    error: z
      .object({ code: z.string().optional(), message: z.string().optional() })
      .optional(),
    message: z.string().optional(),
  }),
])

export const rombCancelResponseSchema = z.object({
  status: z.enum(["success", "error"]),
  message: z.string().optional(),
})

/**
 * A verified Romb notification, every field in its documented format. Romb
 * signs names and values, so further fields with plain names are kept (they
 * are signed too); the ones decided on cannot absorb each other.
 */
export const rombWebhookSchema = z
  .object({
    id: gatewayIdField,
    order_id: paymentSessionIdField,
    amount: decimalAmountField,
    status: statusWordField,
    createdDateTime: isoDateTimeField.optional(),
    data: z.unknown().optional(),
    sign: sha256HexField,
  })
  .catchall(z.unknown())

export type RombWebhook = z.output<typeof rombWebhookSchema>
