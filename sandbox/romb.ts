import { randomUUID } from "node:crypto"
import express, { Request, Response, Router } from "express"
import { z } from "zod"
import { BodyValue, formText, JsonLexeme, jsonText, topLevelNumberLexeme } from "./body-text"
import { controlInput, controlRouter, FaultSlot, faultSchema, GatewayIds, hold, sendHttpFailure } from "./control"
import { httpUrl, paymentPage, seeOther, wantsJson } from "./page"
import { rombSignature } from "./signers"
import { deliverWebhook, WebhookDelivery } from "./webhook"

/**
 * Emulator of Romb (romb.mx), following its API doc (gateway-docs/romb.txt).
 * Where the doc is silent, the choices made here:
 * - HTTP statuses: 200 on success; 401 `unauthorized` when X-Uid / X-Public-Key /
 *   X-Private-Key are missing or wrong (checked first); 422 for `validation_error`,
 *   `duplicate_order` and an injected `{code, message}` error (Laravel-style; the
 *   doc gives only bodies); 404 for cancelling an unknown or already paid/canceled
 *   order; 409 for a pay-page action on a settled order; 404 for an unknown pay-page token.
 * - The create body is read as JSON whatever its Content-Type; a body that is not
 *   a JSON object is `validation_error` "Request body must be JSON" / "... a JSON object". Only the first problem is reported.
 * - orderNumber: non-blank string up to 255 characters, kept verbatim. amount: a JSON
 *   number (a numeric string is refused), > 0, at most 2 decimals by value (289.680 is fine).
 *   currency: optional, defaults to 643 (the doc's RUB), else one of 643 RUB, 840 USD,
 *   978 EUR, 398 KZT, 933 BYN, 980 UAH, 156 CNY, 417 KGS, 860 UZS, 944 AZN, 51 AMD,
 *   981 GEL ("Unsupported currency" otherwise). email: an address. phone: optional `+`
 *   and 10-15 digits. description: up to 255 characters. null counts as absent for the
 *   optional fields; unknown fields are ignored.
 * - A repeated orderNumber with the same amount (by value) and currency answers the
 *   existing order (same orderId and formUrl, whatever its state); with another amount
 *   or currency it is `duplicate_order`.
 * - orderId: a 9-digit sequence (from a random start: a restarted sandbox hands out new ones);
 *   transactionId (the webhook's `id`): a UUID; formUrl: {sandbox}/romb/pay/order/<uuid>.
 * - Order states: WAIT on creation; PAID by the page's Pay button; CANCELED by its Cancel
 *   button or the cancel API. Only WAIT/PENDING orders can be paid or canceled.
 * - Cancel API: no auth (as in the doc's cURL); auth headers, if sent, are ignored.
 *   It answers first, then sends the CANCELED webhook (the doc: "will send a webhook").
 *   Pay-page actions send their webhook before answering, so the result shows the delivery.
 * - Webhook: JSON, fields in the doc's order: id (one UUID per order, the same in
 *   every notification), order_id, amount (written exactly as in the create request),
 *   data {customer_email, description} (null when not given), createdDateTime (the
 *   order's creation time, seconds, `+00:00`), status, then sign = the doc's PHP signature
 *   (signers.ts) of the fields as PHP reads that body, keyed with webhookSecret (default: privateKey).
 *   One attempt, 10 s timeout, no retries; any 2xx counts as delivered.
 * - Return to the shop (the doc names no return URL): a merchant setting `returnUrl`, as the real shop keeps
 *   its callback URL in the dashboard (control `POST /__control/romb/merchant {returnUrl}`), where
 *   `{order_number}` is replaced by the order's orderNumber (URL-encoded). After the customer's Pay or Cancel
 *   on the page (a browser, i.e. not `Accept: application/json`), the webhook is sent first, then the answer is
 *   303 to it, unchanged (no status parameter: the shop learns the outcome from the webhook). None set: the result page.
 */
export type RombSandboxMerchant = {
  uid: string
  publicKey: string
  privateKey: string
  /** Key of the webhook `sign`; defaults to privateKey. */
  webhookSecret?: string
  callbackUrl?: string
  /** Where the pay page sends the customer after Pay or Cancel; `{order_number}` = the orderNumber. */
  returnUrl?: string
}

export const ROMB_SANDBOX_MERCHANT: RombSandboxMerchant = {
  uid: "sandbox-romb-uid",
  publicKey: "sandbox-romb-public",
  privateKey: "sandbox-romb-private",
}

export const ROMB_STATUSES = ["WAIT", "PENDING", "PAID", "CANCELED"] as const
type RombStatus = (typeof ROMB_STATUSES)[number]

/** Webhook fields the control API can alter after signing. */
export const ROMB_TAMPERABLE = ["id", "order_id", "amount", "data", "createdDateTime", "status"] as const
type Tamperable = (typeof ROMB_TAMPERABLE)[number]

type RombOrder = {
  orderId: string
  transactionId: string
  token: string
  orderNumber: string
  request: CreateRequest
  amountLexeme: string
  status: RombStatus
  created_at: string
  createdDateTime: string
  webhooks: WebhookDelivery[]
}

/** The numeric ISO 4217 codes accepted, with their letters for the pay page. */
const ALPHA = new Map([
  [643, "RUB"], [840, "USD"], [978, "EUR"], [398, "KZT"], [933, "BYN"], [980, "UAH"],
  [156, "CNY"], [417, "KGS"], [860, "UZS"], [944, "AZN"], [51, "AMD"], [981, "GEL"],
])
const CURRENCIES = [...ALPHA.keys()]

const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined)

const createSchema = z.object({
  orderNumber: z
    .string({ error: (i) => (i.input === undefined ? "orderNumber is required" : "orderNumber must be a string") })
    .refine((s) => s.trim().length > 0, "orderNumber is required")
    .refine((s) => s.length <= 255, "orderNumber must be at most 255 characters"),
  amount: z
    .number({ error: (i) => (i.input === undefined ? "amount is required" : "amount must be a number") })
    .positive("amount must be positive")
    .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, "amount must have at most 2 decimals"),
  currency: z
    .number({ error: "currency must be a numeric ISO 4217 code" })
    .refine((c) => CURRENCIES.includes(c), "Unsupported currency")
    .nullish()
    .transform((c) => c ?? 643),
  description: optional(z.string({ error: "description must be a string" }).max(255, "description is too long")),
  email: optional(z.email({ error: "Invalid email format" })),
  phone: optional(z.string({ error: "Invalid phone format" }).regex(/^\+?[0-9]{10,15}$/, "Invalid phone format")),
})
type CreateRequest = z.infer<typeof createSchema>

const merchantUpdateSchema = z
  .object({
    /** null: no callback URL (webhooks are recorded as undelivered). */
    callbackUrl: z.url().nullable().optional(),
    /** null: back to signing with privateKey. */
    webhookSecret: z.string().min(1).nullable().optional(),
    uid: z.string().min(1).optional(),
    publicKey: z.string().min(1).optional(),
    privateKey: z.string().min(1).optional(),
    /** null: no return URL (the page shows its result). */
    returnUrl: z
      .string()
      .refine((t) => !!httpUrl(returnUrlFor(t, "order-number")), "returnUrl must be an absolute http(s) URL (it may contain {order_number})")
      .nullable()
      .optional(),
  })
  .strict()

/** The merchant's return URL for one order: every `{order_number}` replaced by the URL-encoded orderNumber. */
function returnUrlFor(template: string, orderNumber: string): string {
  return template.split("{order_number}").join(encodeURIComponent(orderNumber))
}

const resendSchema = z
  .object({
    /** Default: the order's current status. */
    status: z.enum(ROMB_STATUSES).optional(),
    /** Sent concurrently. */
    copies: z.number().int().min(1).max(100).default(1),
    /** Alter this field (true: amount) after signing, so the sign no longer matches. */
    tamper: z.union([z.boolean(), z.enum(ROMB_TAMPERABLE)]).optional(),
    /** Sign with another key. */
    wrongSign: z.boolean().optional(),
    /** form: application/x-www-form-urlencoded, as PHP's $_POST in the doc would read it. */
    format: z.enum(["json", "form"]).default("json"),
    /** Also set the order's status to `status` (no transition checks). */
    apply: z.boolean().optional(),
  })
  .strict()

const FORM = "application/x-www-form-urlencoded"
const JSON_TYPE = "application/json"

const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "+00:00")

function tamper(fields: Record<string, BodyValue>, field: Tamperable): Record<string, BodyValue> {
  const altered = { ...fields }
  switch (field) {
    case "id":
      altered.id = randomUUID()
      break
    case "order_id":
      altered.order_id = `${fields.order_id}-tampered`
      break
    case "amount":
      altered.amount = new JsonLexeme((Number((fields.amount as JsonLexeme).text) + 1).toFixed(2))
      break
    case "data":
      altered.data = { ...(fields.data as Record<string, BodyValue>), customer_email: "attacker@example.com" }
      break
    case "createdDateTime":
      altered.createdDateTime = "2000-01-01T00:00:00+00:00"
      break
    case "status":
      altered.status = fields.status === "PAID" ? "CANCELED" : "PAID"
      break
  }
  return altered
}

export function createRombSandbox(options: { baseUrl: () => string; merchant?: Partial<RombSandboxMerchant> }) {
  const initialMerchant = (): RombSandboxMerchant => ({ ...ROMB_SANDBOX_MERCHANT, ...options.merchant })
  let merchant = initialMerchant()
  const orders = new Map<string, RombOrder>()
  const byToken = new Map<string, RombOrder>()
  const nextCreate = new FaultSlot()
  const orderIds = new GatewayIds(100_000_001, 800_000_000)

  const formUrl = (order: RombOrder) => `${options.baseUrl()}/romb/pay/order/${order.token}`
  const view = (order: RombOrder) => ({ ...order, formUrl: formUrl(order) })

  /** The notification body, signed over its own text (so the amount keeps its lexeme), `sign` appended last. */
  function webhookBody(
    order: RombOrder,
    status: RombStatus,
    opts: { tamper?: boolean | Tamperable; wrongSign?: boolean; format?: "json" | "form" }
  ) {
    const fields: Record<string, BodyValue> = {
      id: order.transactionId,
      order_id: order.orderNumber,
      amount: new JsonLexeme(order.amountLexeme),
      data: { customer_email: order.request.email ?? null, description: order.request.description ?? null },
      createdDateTime: order.createdDateTime,
      status,
    }
    const secret = opts.wrongSign ? "not-the-webhook-secret" : merchant.webhookSecret ?? merchant.privateKey
    const sent = opts.tamper ? tamper(fields, opts.tamper === true ? "amount" : opts.tamper) : fields
    if (opts.format === "form") {
      const sign = rombSignature(fields, "form", secret)
      return { body: `${formText(sent)}&sign=${sign}`, contentType: FORM }
    }
    const sign = rombSignature(fields, "json", secret)
    return { body: `${jsonText(sent).slice(0, -1)},"sign":${JSON.stringify(sign)}}`, contentType: JSON_TYPE }
  }

  async function notify(order: RombOrder, status: RombStatus, opts: Parameters<typeof webhookBody>[2] = {}) {
    const { body, contentType } = webhookBody(order, status, opts)
    const delivery = await deliverWebhook(merchant.callbackUrl, body, contentType)
    order.webhooks.push(delivery)
    return delivery
  }

  const fail = (res: Response, status: number, code: string, message: string) =>
    res.status(status).json({ status: "error", error: { code, message } })

  const api = Router()
  api.use(express.text({ type: () => true }))

  api.post("/api/pay/order/create", async (req: Request, res: Response) => {
    const uid = req.header("X-Uid")
    const publicKey = req.header("X-Public-Key")
    const privateKey = req.header("X-Private-Key")
    if (!uid || !publicKey || !privateKey) {
      return fail(res, 401, "unauthorized", "Missing X-Uid, X-Public-Key or X-Private-Key header")
    }
    if (uid !== merchant.uid || publicKey !== merchant.publicKey || privateKey !== merchant.privateKey) {
      return fail(res, 401, "unauthorized", "Invalid API credentials")
    }

    const fault = nextCreate.take()
    if (fault?.error || fault?.httpStatus) {
      if (fault.hangMs) await hold(fault.hangMs, res)
      return fault.error
        ? res.status(fault.httpStatus ?? 422).json({ status: "error", error: fault.error })
        : sendHttpFailure(res, fault.httpStatus!)
    }

    const raw = typeof req.body === "string" ? req.body : ""
    let body: unknown
    try {
      body = JSON.parse(raw)
    } catch {
      return fail(res, 422, "validation_error", "Request body must be JSON")
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      return fail(res, 422, "validation_error", "Request body must be a JSON object")
    }
    const parsed = createSchema.safeParse(body)
    if (!parsed.success) {
      return fail(res, 422, "validation_error", parsed.error.issues[0].message)
    }
    const request = parsed.data

    let order = orders.get(request.orderNumber)
    if (order && (order.request.amount !== request.amount || order.request.currency !== request.currency)) {
      return fail(
        res,
        422,
        "duplicate_order",
        `Order ${request.orderNumber} already exists with another amount or currency`
      )
    }
    if (!order) {
      const now = new Date()
      order = {
        orderId: String(orderIds.nextNumber()),
        transactionId: orderIds.idFor(randomUUID()),
        token: randomUUID(),
        orderNumber: request.orderNumber,
        request,
        amountLexeme: topLevelNumberLexeme(raw, "amount") ?? String(request.amount),
        status: "WAIT",
        created_at: now.toISOString(),
        createdDateTime: isoSeconds(now),
        webhooks: [],
      }
      orders.set(order.orderNumber, order)
      byToken.set(order.token, order)
    }
    // with a hang, the order exists but the answer comes too late for the client
    if (fault?.hangMs) await hold(fault.hangMs, res)
    res.json({ status: "success", data: { orderId: order.orderId, formUrl: formUrl(order) } })
  })

  api.post("/pay/order/cancel/:orderNumber", async (req, res) => {
    const order = orders.get(req.params.orderNumber)
    if (!order || (order.status !== "WAIT" && order.status !== "PENDING")) {
      return res.status(404).json({ status: "error", message: "Order not found or already processed" })
    }
    order.status = "CANCELED"
    res.json({ status: "success", message: "Payment cancelled successfully" })
    await notify(order, "CANCELED")
  })

  const page = (order: RombOrder, message?: string) =>
    paymentPage({
      gateway: "Romb",
      amount: `${order.amountLexeme} ${ALPHA.get(order.request.currency) ?? order.request.currency}`,
      title: `Payment ${order.orderId}`,
      message,
      rows: [
        ["Order number", order.orderNumber],
        ["Amount", `${order.amountLexeme} ${ALPHA.get(order.request.currency) ?? ""} (${order.request.currency})`],
        ["Description", order.request.description ?? ""],
      ],
      status: order.status,
      actions:
        order.status === "WAIT" || order.status === "PENDING"
          ? [
              { label: "Pay", action: `/romb/pay/order/${order.token}/pay`, testId: "pay", tone: "primary" },
              { label: "Cancel", action: `/romb/pay/order/${order.token}/decline`, testId: "decline", tone: "danger" },
            ]
          : [],
    })

  const notFoundPage = () =>
    paymentPage({ gateway: "Romb", title: "Payment not found", rows: [], actions: [] })

  api.get("/pay/order/:token", (req, res) => {
    const order = byToken.get(req.params.token)
    if (!order) return res.status(404).type("html").send(notFoundPage())
    res.type("html").send(page(order))
  })

  const customerAction = (status: "PAID" | "CANCELED") => async (req: Request, res: Response) => {
    const json = wantsJson(req.header("accept"))
    const order = byToken.get(req.params.token)
    if (!order) {
      return json
        ? res.status(404).json({ status: "error", message: "Payment not found" })
        : res.status(404).type("html").send(notFoundPage())
    }
    if (order.status !== "WAIT" && order.status !== "PENDING") {
      const message = `Payment is already ${order.status}`
      return json
        ? res.status(409).json({ status: "error", message })
        : res.status(409).type("html").send(page(order, message))
    }
    order.status = status
    // the webhook goes (and its delivery is awaited) before the answer, so a polling return page sees it soon
    const webhook = await notify(order, status)
    if (json) {
      return res.json({
        status,
        webhook: { delivered: webhook.delivered, httpStatus: webhook.httpStatus, error: webhook.error },
      })
    }
    const back = merchant.returnUrl ? httpUrl(returnUrlFor(merchant.returnUrl, order.orderNumber)) : undefined
    if (back) return seeOther(res, back)
    return res.type("html").send(page(order, status === "PAID" ? "Payment complete." : "Payment canceled."))
  }
  api.post("/pay/order/:token/pay", customerAction("PAID"))
  api.post("/pay/order/:token/decline", customerAction("CANCELED"))

  const control = controlRouter()
  orderIds.route(control)
  control.post("/merchant", (req, res) => {
    const input = controlInput(merchantUpdateSchema, req, res)
    if (!input) return
    for (const [key, value] of Object.entries(input)) {
      if (value !== undefined) (merchant as Record<string, unknown>)[key] = value ?? undefined
    }
    // secrets are never echoed
    res.json({ uid: merchant.uid, callbackUrl: merchant.callbackUrl ?? null, returnUrl: merchant.returnUrl ?? null })
  })
  control.post("/next-create", (req, res) => {
    const fault = controlInput(faultSchema, req, res)
    if (!fault) return
    nextCreate.arm(fault)
    res.json({ armed: fault })
  })
  control.get("/orders", (_req, res) => res.json([...orders.values()].map(view)))
  control.get("/orders/:orderNumber", (req, res) => {
    const order = orders.get(req.params.orderNumber)
    if (!order) return res.status(404).json({ message: "No such order" })
    res.json(view(order))
  })
  control.post("/orders/:orderNumber/webhooks", async (req, res) => {
    const order = orders.get(req.params.orderNumber)
    if (!order) return res.status(404).json({ message: "No such order" })
    const input = controlInput(resendSchema, req, res)
    if (!input) return
    const status = input.status ?? order.status
    if (input.apply) order.status = status
    const deliveries = await Promise.all(
      Array.from({ length: input.copies }, () =>
        notify(order, status, { tamper: input.tamper, wrongSign: input.wrongSign, format: input.format })
      )
    )
    res.json({ deliveries })
  })

  return {
    api,
    control,
    reset() {
      orders.clear()
      byToken.clear()
      nextCreate.clear()
      orderIds.clear()
      merchant = initialMerchant()
    },
  }
}
