import { z } from "zod"
import {
  decimalAmountField,
  gatewayIdField,
  isoDateTimeField,
  paymentSessionIdField,
  sha256HexField,
  statusWordField,
} from "../../lib/notification-fields"
import {
  cancelOrderOnPaymentCancelOption,
  displayNameOption,
  hostOption,
  reconcileAfterOption,
  secretOption,
  timeoutOption,
  urlOption,
  returnUrlIdFields,
  returnUrlTemplateOption,
} from "../../lib/options"

export const RUBITPAY_URLS = {
  production: "https://api.rubitpay.com",
  sandbox: "https://sandbox.api.rubitpay.com",
}

export const RUBITPAY_CURRENCIES = ["RUB", "CNY", "USD", "EUR"] as const

export const rubitPayOptionsSchema = z
  .strictObject({
    shopId: secretOption("the shop_id RubitPay issued"),
    secretKey: secretOption("the secret key that signs requests and webhooks"),
    sandbox: z.boolean().default(false),
    /** Overrides `sandbox`. */
    baseUrl: urlOption.optional(),
    /** true: single-step `invoice/create`; false: two-step `invoice/hold`, then charge or unhold. */
    capture: z.boolean().default(true),
    payway: z.string().trim().min(1).default("bank_card"),
    /** Payways a storefront may choose with session data `payway`; defaults to `[payway]`. */
    payways: z.array(z.string().trim().min(1)).min(1).optional(),
    /** Where RubitPay sends the customer back; `{session_id}`, `{cart_id}`, `{payment_collection_id}` and `{order_id}` are filled in. */
    successUrl: returnUrlTemplateOption().optional(),
    failUrl: returnUrlTemplateOption().optional(),
    /** Hosts a storefront-supplied `return_url` may point to. */
    allowedReturnHosts: z.array(hostOption).default([]),
    description: z.string().max(255).optional(),
    /**
     * Whether the shop has `invoice/check` (not in RubitPay's public doc). Off: payments follow the
     * verified webhooks only, and reconciliation leaves this registration alone.
     */
    statusCall: z.boolean().default(true),
    /** How old an unconfirmed payment must be before reconciliation asks `invoice/check`. */
    reconcileAfterSeconds: reconcileAfterOption,
    timeoutMs: timeoutOption,
    cancelOrderOnPaymentCancel: cancelOrderOnPaymentCancelOption,
    displayName: displayNameOption,
  })
  .transform((options) => ({
    ...options,
    apiUrl: options.baseUrl ?? (options.sandbox ? RUBITPAY_URLS.sandbox : RUBITPAY_URLS.production),
    payways: options.payways ?? [options.payway],
  }))

export type RubitPayOptions = z.output<typeof rubitPayOptionsSchema>

export const rubitPaySessionInputSchema = z.object({
  payway: z.string().trim().min(1).optional(),
  email: z.email({ error: "must be an email address" }).optional(),
  return_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  ...returnUrlIdFields,
  description: z.string().trim().min(1).max(255).optional(),
  /** Extra fields `invoice/try` asked for (its `add_ons_config`). */
  add_ons: z.record(z.string(), z.string()).optional(),
})

/** Every RubitPay answer: `result` plus either data or an `error_code`. */
export const rubitPayAnswerSchema = z
  .object({
    result: z.boolean(),
    error_code: z.string().optional(),
    message: z.string().optional(),
  })
  .loose()

export const rubitPayTryAnswerSchema = rubitPayAnswerSchema.extend({
  add_ons_config: z.record(z.string(), z.unknown()).nullish(),
})

export const rubitPayInvoiceAnswerSchema = rubitPayAnswerSchema.extend({
  redirect_url: z.url().optional(),
  invoice_id: z.union([z.string(), z.number()]).transform(String).optional(),
})

export const rubitPayCheckAnswerSchema = rubitPayAnswerSchema.extend({
  status: z.union([z.string(), z.number()]).optional(),
  invoice_id: z.union([z.string(), z.number()]).transform(String).optional(),
  amount: z.union([z.string(), z.number()]).transform(String).optional(),
  currency: z.string().optional(),
})

/**
 * A verified RubitPay notification: exactly the doc's fields, each in its
 * documented format. RubitPay signs the sorted values joined with ":" and
 * not their names, so a field the doc does not list, or a value outside its
 * format, could carry text moved from a neighbour: both are refused.
 */
export const rubitPayWebhookSchema = z
  .object({
    shop_id: gatewayIdField,
    shop_order_id: paymentSessionIdField,
    invoice_id: gatewayIdField,
    status: statusWordField,
    amount: decimalAmountField,
    currency: z.enum(RUBITPAY_CURRENCIES),
    created_at: isoDateTimeField,
    sign: sha256HexField,
  })
  .strict()
