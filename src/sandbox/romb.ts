import { randomUUID } from "node:crypto"
import express, { Request, Response, Router } from "express"
import { z } from "zod"
import { rombSignature } from "../providers/romb/signature"
import { paymentPage, wantsJson } from "./page"
import { deliverWebhook, WebhookDelivery } from "./webhook"

/**
 * Emulator of Romb (romb.mx), following its API doc. Where the doc is silent:
 * - HTTP statuses: 401 for wrong auth headers, 400 `validation_error`,
 *   409 `duplicate_order`, 404 for cancelling an unknown or processed order
 *   (the doc gives only the JSON bodies).
 * - A repeated `orderNumber` with the same amount and currency returns the
 *   existing order; with another amount or currency it is `duplicate_order`.
 * - `currency` defaults to 643 (RUB); `amount` must be positive with at most
 *   two decimals. The webhook repeats the amount exactly as the create request wrote it.
 * - One transaction id per order; the webhook is sent once per status change.
 */
export type RombSandboxMerchant = {
  uid: string
  publicKey: string
  privateKey: string
  webhookSecret?: string
  callbackUrl?: string
}

type RombStatus = "WAIT" | "PENDING" | "PAID" | "CANCELED"

type RombOrder = {
  orderId: string
  transactionId: string
  token: string
  orderNumber: string
  request: Record<string, unknown>
  amountLexeme: string
  status: RombStatus
  created_at: string
  webhooks: WebhookDelivery[]
}

type NextCreate = { error?: { code: string; message: string }; httpStatus?: number; hangMs?: number }

export const ROMB_SANDBOX_MERCHANT: RombSandboxMerchant = {
  uid: "sandbox-romb-uid",
  publicKey: "sandbox-romb-public",
  privateKey: "sandbox-romb-private",
}

const KNOWN_CURRENCIES = new Set([643, 840, 978, 398, 933, 980, 156, 417, 860, 944, 51, 981])

const createSchema = z.object({
  orderNumber: z.string().trim().min(1, "orderNumber is required").max(64),
  amount: z
    .number({ error: "amount must be a number" })
    .positive("amount must be positive")
    .refine((n) => Math.round(n * 100) === Number((n * 100).toFixed(6)), "amount must have at most 2 decimals"),
  currency: z
    .number({ error: "currency must be a numeric ISO 4217 code" })
    .int()
    .refine((c) => KNOWN_CURRENCIES.has(c), "Unsupported currency")
    .default(643),
  description: z.string().max(255).optional(),
  email: z.email({ error: "Invalid email format" }).optional(),
  phone: z.string().regex(/^\+?[0-9]{10,15}$/, "Invalid phone format").optional(),
})

export function createRombSandbox(options: {
  baseUrl: () => string
  merchant?: Partial<RombSandboxMerchant>
}) {
  const merchant: RombSandboxMerchant = { ...ROMB_SANDBOX_MERCHANT, ...options.merchant }
  const orders = new Map<string, RombOrder>()
  const byToken = new Map<string, RombOrder>()
  let nextCreate: NextCreate | undefined
  const secret = () => merchant.webhookSecret ?? merchant.privateKey

  function webhookBody(order: RombOrder, status: RombStatus, tamper?: boolean, wrongSign?: boolean) {
    const data = {
      customer_email: order.request.email ?? null,
      description: order.request.description ?? null,
    }
    const fields =
      `{"id":${JSON.stringify(order.transactionId)},"order_id":${JSON.stringify(order.orderNumber)},` +
      `"amount":${order.amountLexeme},"data":${JSON.stringify(data)},` +
      `"createdDateTime":"${new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00")}","status":"${status}"}`
    const sign = rombSignature(fields, "application/json", wrongSign ? "wrong-secret" : secret())
    const signed = `${fields.slice(0, -1)},"sign":"${sign}"}`
    return tamper ? signed.replace(`"amount":${order.amountLexeme}`, `"amount":1`) : signed
  }

  async function notify(order: RombOrder, status: RombStatus, opts: { tamper?: boolean; wrongSign?: boolean } = {}) {
    const delivery = await deliverWebhook(
      merchant.callbackUrl,
      webhookBody(order, status, opts.tamper, opts.wrongSign),
      "application/json"
    )
    order.webhooks.push(delivery)
    return delivery
  }

  const api = Router()
  api.use(express.text({ type: () => true }))

  api.post("/api/pay/order/create", async (req: Request, res: Response) => {
    if (
      req.header("X-Uid") !== merchant.uid ||
      req.header("X-Public-Key") !== merchant.publicKey ||
      req.header("X-Private-Key") !== merchant.privateKey
    ) {
      return res.status(401).json({
        status: "error",
        error: { code: "unauthorized", message: "Invalid API credentials" },
      })
    }
    const injected = nextCreate
    nextCreate = undefined
    if (injected?.httpStatus) {
      return res.status(injected.httpStatus).send("Internal Server Error")
    }
    if (injected?.error) {
      return res.status(400).json({ status: "error", error: injected.error })
    }
    let body: unknown
    try {
      body = JSON.parse(req.body || "")
    } catch {
      return res.status(400).json({
        status: "error",
        error: { code: "validation_error", message: "Request body must be JSON" },
      })
    }
    const parsed = createSchema.safeParse(body)
    if (!parsed.success) {
      return res.status(400).json({
        status: "error",
        error: { code: "validation_error", message: parsed.error.issues[0].message },
      })
    }
    const request = parsed.data
    const existing = orders.get(request.orderNumber)
    if (existing) {
      if (existing.request.amount !== request.amount || existing.request.currency !== request.currency) {
        return res.status(409).json({
          status: "error",
          error: {
            code: "duplicate_order",
            message: `Order ${request.orderNumber} already exists with another amount or currency`,
          },
        })
      }
    }
    const order =
      existing ??
      (() => {
        const created: RombOrder = {
          orderId: String(100000000 + orders.size + 1),
          transactionId: randomUUID(),
          token: randomUUID(),
          orderNumber: request.orderNumber,
          request,
          amountLexeme: /"amount"\s*:\s*(-?[0-9.eE+-]+)/.exec(req.body)?.[1] ?? String(request.amount),
          status: "WAIT",
          created_at: new Date().toISOString(),
          webhooks: [],
        }
        orders.set(created.orderNumber, created)
        byToken.set(created.token, created)
        return created
      })()
    if (injected?.hangMs) {
      // the order exists, but the answer comes too late for the client
      await new Promise((resolve) => setTimeout(resolve, injected.hangMs))
    }
    res.json({
      status: "success",
      data: { orderId: order.orderId, formUrl: `${options.baseUrl()}/romb/pay/order/${order.token}` },
    })
  })

  api.post("/pay/order/cancel/:orderNumber", async (req, res) => {
    const order = orders.get(req.params.orderNumber)
    if (!order || order.status === "PAID" || order.status === "CANCELED") {
      return res.status(404).json({ status: "error", message: "Order not found or already processed" })
    }
    order.status = "CANCELED"
    res.json({ status: "success", message: "Payment cancelled successfully" })
    await notify(order, "CANCELED")
  })

  const page = (order: RombOrder, message?: string) =>
    paymentPage({
      gateway: "Romb",
      title: `Payment ${order.orderId}`,
      message,
      rows: [
        ["Order", order.orderNumber],
        ["Amount", `${order.amountLexeme} (${order.request.currency})`],
        ["Description", String(order.request.description ?? "")],
        ["Status", order.status],
      ],
      actions:
        order.status === "WAIT" || order.status === "PENDING"
          ? [
              { label: "Pay", action: `${options.baseUrl()}/romb/pay/order/${order.token}/pay` },
              { label: "Cancel", action: `${options.baseUrl()}/romb/pay/order/${order.token}/decline` },
            ]
          : [],
    })

  api.get("/pay/order/:token", (req, res) => {
    const order = byToken.get(req.params.token)
    if (!order) return res.status(404).send("Payment not found")
    res.type("html").send(page(order))
  })

  const customerAction = (status: "PAID" | "CANCELED") => async (req: Request, res: Response) => {
    const order = byToken.get(req.params.token)
    if (!order) return res.status(404).json({ status: "error", message: "Payment not found" })
    if (order.status !== "WAIT" && order.status !== "PENDING") {
      const message = `Payment is already ${order.status}`
      return wantsJson(req.header("accept"))
        ? res.status(409).json({ status: "error", message })
        : res.status(409).type("html").send(page(order, message))
    }
    order.status = status
    const webhook = await notify(order, status)
    const result = { status, webhook: { delivered: webhook.delivered, httpStatus: webhook.httpStatus, error: webhook.error } }
    return wantsJson(req.header("accept"))
      ? res.json(result)
      : res.type("html").send(page(order, status === "PAID" ? "Payment complete." : "Payment canceled."))
  }
  api.post("/pay/order/:token/pay", customerAction("PAID"))
  api.post("/pay/order/:token/decline", customerAction("CANCELED"))

  const control = Router()
  control.use(express.json())
  control.post("/merchant", (req, res) => {
    const { callbackUrl, webhookSecret } = req.body ?? {}
    if (callbackUrl !== undefined) merchant.callbackUrl = callbackUrl
    if (webhookSecret !== undefined) merchant.webhookSecret = webhookSecret
    res.json({ uid: merchant.uid, callbackUrl: merchant.callbackUrl ?? null })
  })
  control.post("/next-create", (req, res) => {
    nextCreate = req.body as NextCreate
    res.json({ armed: nextCreate })
  })
  control.get("/orders", (_req, res) => res.json([...orders.values()]))
  control.get("/orders/:orderNumber", (req, res) => {
    const order = orders.get(req.params.orderNumber)
    if (!order) return res.status(404).json({ message: "No such order" })
    res.json(order)
  })
  control.post("/orders/:orderNumber/webhooks", async (req, res) => {
    const order = orders.get(req.params.orderNumber)
    if (!order) return res.status(404).json({ message: "No such order" })
    const { status = order.status, copies = 1, tamper, wrongSign } = req.body ?? {}
    const deliveries = await Promise.all(
      Array.from({ length: Math.min(Number(copies), 100) }, () => notify(order, status, { tamper, wrongSign }))
    )
    res.json({ deliveries })
  })

  return {
    api,
    control,
    reset() {
      orders.clear()
      byToken.clear()
      nextCreate = undefined
      merchant.callbackUrl = options.merchant?.callbackUrl
      merchant.webhookSecret = options.merchant?.webhookSecret
    },
  }
}
