import { z } from "zod"
import { decimalAmountField, paymentSessionIdField, statusWordField } from "../../lib/notification-fields"
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
import { EXCHANGER_PRESETS } from "./presets"

/** An exchanger's XML currency code, e.g. `CARDRUB`, `USDTTRC20`. */
const currencyXmlCode = z.string().regex(/^[A-Za-z0-9_]{1,32}$/, "must be an exchanger currency code")

const keyValue = z.strictObject({ key: z.string().min(1), value: z.string() })
const keyValues = z.array(keyValue).default([])

export const exchangerRouteSchema = z.strictObject({
  routeId: z.string().min(1),
  toValues: z.array(keyValue).min(1, "the merchant's payout requisites are required"),
  fromValues: keyValues,
  routeValues: keyValues,
  /** Keys the storefront may fill in `fromValues` (the customer's side). */
  customerFromKeys: z.array(z.string()).default([]),
  /** The exchanger's XML code of the currency the customer pays (e.g. `CARDRUB`); checked on every IPN. */
  xmlFrom: z.string().optional(),
})

export const exchangerOptionsSchema = z
  .strictObject({
    preset: z.enum(Object.keys(EXCHANGER_PRESETS) as [keyof typeof EXCHANGER_PRESETS]).optional(),
    siteUrl: urlOption.optional(),
    apiUrl: urlOption.optional(),
    ipnSecret: secretOption("the master secret the per-order IPN secrets are derived from"),
    partner: z.string().optional(),
    lang: z.string().min(2).max(5).optional(),
    /** One exchange route per cart currency, keyed by the lowercase ISO code (`rub`). */
    routes: z.record(z.string(), exchangerRouteSchema),
    agreement: z.boolean().default(true),
    hideOutData: z.boolean().default(true),
    /** Where the exchanger sends the customer back; `{session_id}`, `{cart_id}`, `{payment_collection_id}` and `{order_id}` are filled in. */
    clientCallbackUrl: returnUrlTemplateOption().optional(),
    /** Hosts a storefront-supplied `return_url` may point to. */
    allowedReturnHosts: z.array(hostOption).default([]),
    /** Where the exchanger sends IPNs: `{backendUrl}/hooks/payment-gateways/exchanger_{id}`. */
    backendUrl: urlOption.optional(),
    /** The `id` of this registration in medusa-config (defaults to the preset). */
    id: z.string().regex(/^[a-z0-9_-]+$/).optional(),
    ipnMaxAgeSeconds: z.number().int().min(10).default(900),
    /** How old a pending order must be before reconciliation asks `order/get`. */
    reconcileAfterSeconds: reconcileAfterOption,
    /** After this, an unpaid order is treated as expired. */
    orderLifetimeMinutes: z
      .number()
      .int()
      .min(1)
      .max(6 * 24 * 60, "at most 8640 (6 days): reconciliation follows a session for 7 days")
      .default(60 * 24),
    timeoutMs: timeoutOption,
    cancelOrderOnPaymentCancel: cancelOrderOnPaymentCancelOption,
    displayName: displayNameOption,
  })
  .superRefine((options, ctx) => {
    for (const key of Object.keys(options.routes)) {
      if (!/^[a-z]{3}$/.test(key)) {
        ctx.addIssue({ code: "custom", path: ["routes", key], message: "route keys are lowercase ISO currency codes such as rub" })
      }
    }
    if (!options.preset && !(options.siteUrl && options.apiUrl)) {
      ctx.addIssue({ code: "custom", path: ["preset"], message: 'set "obmin" or "pocketbank", or both siteUrl and apiUrl' })
    }
    const backendUrl = options.backendUrl ?? process.env.MEDUSA_BACKEND_URL
    if (!backendUrl) {
      ctx.addIssue({ code: "custom", path: ["backendUrl"], message: "required (or MEDUSA_BACKEND_URL) to build the IPN URL" })
    }
    if (!options.id && !options.preset) {
      ctx.addIssue({ code: "custom", path: ["id"], message: "required without a preset: the registration's id, for the IPN URL" })
    }
  })
  .transform((options) => {
    const preset = options.preset ? EXCHANGER_PRESETS[options.preset] : undefined
    const id = options.id ?? options.preset!
    const backendUrl = (options.backendUrl ?? process.env.MEDUSA_BACKEND_URL!).replace(/\/+$/, "")
    return {
      ...options,
      siteUrl: options.siteUrl ?? preset!.siteUrl,
      apiUrl: options.apiUrl ?? preset!.apiUrl,
      lang: options.lang ?? preset?.lang ?? "en",
      id,
      ipnUrl: `${backendUrl}/hooks/payment-gateways/exchanger_${id}`,
    }
  })

export type ExchangerOptions = z.output<typeof exchangerOptionsSchema>
export type ExchangerRoute = z.output<typeof exchangerRouteSchema>

export const exchangerSessionInputSchema = z.object({
  /** The customer's side of the exchange (card number, phone, ...), only keys the route allows. */
  from_values: z.record(z.string(), z.string()).optional(),
  return_url: z.url({ protocol: /^https?$/ }).optional(),
  ...returnUrlIdFields,
})

const engineError = z
  .object({
    message: z.string().optional(),
    object: z
      .object({ fieldId: z.string().optional(), nameField: z.string().optional(), err: z.string().optional(), type: z.string().optional() })
      .nullish(),
    errorCode: z.union([z.string(), z.number()]).optional(),
  })
  .loose()

export type EngineError = z.output<typeof engineError>

export const exchangerCreateAnswerSchema = z.union([
  z.object({
    success: z.literal(true),
    data: z
      .object({
        _id: z.string().optional(),
        uid: z.union([z.number(), z.string()]).transform(String),
        secret: z.string().min(1),
        inAmount: z.union([z.number(), z.string()]).transform(String).optional(),
        outAmount: z.union([z.number(), z.string()]).transform(String).optional(),
      })
      .loose(),
  }),
  z.object({ success: z.literal(false), error: engineError }),
])

export const exchangerOrderSchema = z
  .object({
    _id: z.string().optional(),
    uid: z.union([z.number(), z.string()]).transform(String),
    status: z.string(),
    inAmount: z.union([z.number(), z.string()]).transform(String).optional(),
    outAmount: z.union([z.number(), z.string()]).transform(String).optional(),
    xml_from: z.string().optional(),
    xml_to: z.string().optional(),
  })
  .loose()

export const exchangerGetAnswerSchema = z.union([
  z.object({ success: z.literal(true), data: z.object({ order: exchangerOrderSchema }).loose() }),
  z.object({ success: z.literal(false), error: engineError }),
])

export const exchangerUpdateStatusAnswerSchema = z.union([
  z.object({ success: z.literal(true) }).loose(),
  z.object({ success: z.literal(false), error: engineError }),
])

/**
 * A verified IPN: the checksummed fields, each in its documented format.
 * The checksum joins values with ":" and none of these formats holds a ":",
 * so no value can absorb part of another. `toValues` (the payout requisites)
 * and any field the checksum does not cover are never read or stored.
 */
export const exchangerIpnSchema = z.object({
  orderUID: z.string().regex(/^[0-9]{1,18}$/, "must be the order's number"),
  orderId: z.string().regex(/^[0-9a-f]{24}$/, "must be a 24-hex-digit ObjectId"),
  newStatus: statusWordField,
  inAmount: decimalAmountField,
  outAmount: decimalAmountField,
  xml_from: currencyXmlCode,
  xml_to: currencyXmlCode,
  timestamp: z.string().regex(/^[0-9]{10,13}$/, "must be a unix time in seconds or milliseconds"),
})

/** The IPN URL's query string: the plugin puts exactly the session id there. */
export const exchangerIpnQuerySchema = z.object({ session_id: paymentSessionIdField }).strict()
