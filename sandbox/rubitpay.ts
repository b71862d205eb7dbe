import express, { Request, Response, Router } from "express"
import { GatewayIds, hold } from "./control"
import { httpUrl, paymentPage, seeOther, wantsJson } from "./page"
import { rubitPaySignature } from "./signers"
import { deliverWebhook, WebhookDelivery } from "./webhook"

/**
 * Emulator of RubitPay's invoice API (doc: rubitpay.txt; status and refund
 * calls as on the engine behind it). Where the doc is silent:
 * - every answer is HTTP 200 with `result` and, on failure, `error_code`;
 * - `invoice/create` and `invoice/hold` answer `redirect_url` and `invoice_id`;
 * - `invoice/check` answers `status` (created | hold | success | fail | refund);
 * - charging or releasing an invoice in the wrong state is `invalid_state`;
 *   a refund above what is left is `invalid_amount`; refunds are idempotent by `shop_refund_id`.
 * - a repeated `shop_order_id` with the same amount and currency answers the same invoice; the
 *   invoice counts how many times it was asked for (`opened`).
 * - payway `p2p` needs the add-on `payer_phone` (its `add_ons_config`).
 * - a request is signed by the doc's `make_sign` (signers.ts) over its JSON-decoded fields; a field
 *   it cannot sign (a number: the doc types every field as a string) is `invalid_request`.
 * - the pay page (`redirect_url`): Pay (create) or Hold (hold) and Decline. A browser (not `Accept:
 *   application/json`) is then sent back with 303 to the invoice's `success_url` (after `success` or `hold`) or
 *   `fail_url` (after `fail`), as the create/hold request gave them, once the webhook has been sent; without
 *   that URL (or with one that is not an absolute http(s) URL) it gets the result page. Scripted clients get JSON.
 */
export type RubitPaySandboxMerchant = { shopId: string; secretKey: string; callbackUrl?: string }

/** Two shops: a RubitPay shop has one callback URL, so each provider registration gets its own. */
export const RUBITPAY_SANDBOX_SHOPS: RubitPaySandboxMerchant[] = [
  { shopId: "sandbox-rubitpay-shop", secretKey: "sandbox-rubitpay-secret" },
  { shopId: "sandbox-rubitpay-hold-shop", secretKey: "sandbox-rubitpay-hold-secret" },
]

type InvoiceStatus = "created" | "processing" | "hold" | "success" | "fail" | "refund"

type Invoice = {
  shop: RubitPaySandboxMerchant
  invoice_id: string
  shop_order_id: string
  amount: string
  currency: string
  payway: string
  method: "create" | "hold"
  status: InvoiceStatus
  request: Record<string, unknown>
  opened: number
  refunds: Array<{ shop_refund_id: string; amount: string }>
  webhooks: WebhookDelivery[]
}

const PAYWAYS: Record<string, Record<string, unknown>> = {
  bank_card: {},
  sbp: {},
  p2p: { payer_phone: { required: true } },
}
const CURRENCIES = ["RUB", "CNY", "USD", "EUR"]

export function createRubitPaySandbox(options: { baseUrl: () => string }) {
  const shops = new Map(RUBITPAY_SANDBOX_SHOPS.map((shop) => [shop.shopId, { ...shop }]))
  const invoices = new Map<string, Invoice>()
  const byId = new Map<string, Invoice>()
  // invoice numbers as on the engine, from a random start so that a restarted sandbox hands out new ones
  const invoiceIds = new GatewayIds(700_001, 9_000_000)
  let nextError: string | undefined
  let nextHangMs = 0
  // richer engine behaviour than the doc shows, each behind a switch (control POST /rubitpay/features)
  let checkAvailable = false
  let checkError: string | undefined
  let answerInvoiceId = false
  let refundsAvailable = true

  const refundedTotal = (invoice: Invoice) =>
    invoice.refunds.reduce((sum, r) => sum + Number(r.amount), 0).toFixed(2)

  /** A refund notification carries the total refunded so far. */
  async function notify(invoice: Invoice, status: InvoiceStatus, opts: { wrongSign?: boolean } = {}) {
    const fields = {
      shop_id: invoice.shop.shopId,
      shop_order_id: invoice.shop_order_id,
      invoice_id: invoice.invoice_id,
      status,
      amount: status === "refund" ? refundedTotal(invoice) : invoice.amount,
      currency: invoice.currency,
      created_at: new Date().toISOString(),
      sign: "",
    }
    fields.sign = rubitPaySignature(fields, opts.wrongSign ? "wrong-secret" : invoice.shop.secretKey)
    const delivery = await deliverWebhook(invoice.shop.callbackUrl, JSON.stringify(fields), "application/json")
    invoice.webhooks.push(delivery)
    return delivery
  }

  const answer = (res: Response, body: Record<string, unknown>) => res.json(body)
  const refuse = (res: Response, error_code: string, message?: string) =>
    res.json({ result: false, error_code, ...(message ? { message } : {}) })

  const api = Router()
  api.use(express.text({ type: () => true }))
  api.use((req, res, next) => {
    try {
      req.body = JSON.parse(req.body || "")
    } catch {
      req.body = undefined
    }
    if (req.body === null || typeof req.body !== "object" || Array.isArray(req.body)) {
      return refuse(res, "invalid_request", "Body must be a JSON object")
    }
    const shop = shops.get(String(req.body.shop_id))
    if (!shop) return refuse(res, "invalid_shop")
    let expected: string
    try {
      expected = rubitPaySignature(req.body, shop.secretKey)
    } catch (error) {
      return refuse(res, "invalid_request", (error as Error).message)
    }
    if (req.body.sign !== expected) return refuse(res, "invalid_sign")
    res.locals.shop = shop
    next()
  })

  const openInvoice = (method: "create" | "hold") => async (req: Request, res: Response) => {
    const { shop_order_id, amount, currency, payway, add_ons } = req.body
    if (!shop_order_id || !/^\d+(\.\d{1,2})?$/.test(String(amount ?? "")) || Number(amount) <= 0) {
      return refuse(res, "invalid_request", "shop_order_id and a decimal amount are required")
    }
    if (!CURRENCIES.includes(currency) || !(payway in PAYWAYS)) return refuse(res, "unsupported_payway")
    const missing = Object.keys(PAYWAYS[payway]).filter((key) => !add_ons?.[key])
    if (missing.length) return refuse(res, "invalid_request", `add_ons required: ${missing.join(", ")}`)
    const existing = invoices.get(shop_order_id)
    if (existing && (existing.amount !== String(amount) || existing.currency !== currency)) {
      return refuse(res, "duplicate_order")
    }
    const injected = nextError
    nextError = undefined
    if (injected && injected !== "processing_error") return refuse(res, injected)
    const invoice =
      existing ??
      (() => {
        const created: Invoice = {
          shop: res.locals.shop,
          invoice_id: invoiceIds.idFor(String(invoiceIds.nextNumber())),
          shop_order_id,
          amount: String(amount),
          currency,
          payway,
          method,
          status: injected === "processing_error" ? "processing" : "created",
          request: req.body,
          opened: 0,
          refunds: [],
          webhooks: [],
        }
        invoices.set(shop_order_id, created)
        byId.set(created.invoice_id, created)
        return created
      })()
    invoice.opened++
    if (injected === "processing_error") return refuse(res, "processing_error")
    // with a hang, the invoice exists but the answer comes too late for the client
    const hangMs = nextHangMs
    nextHangMs = 0
    if (hangMs) await hold(hangMs, res)
    // the doc's answer is { result, redirect_url }; invoice_id only with the switch
    answer(res, {
      result: true,
      ...(answerInvoiceId ? { invoice_id: invoice.invoice_id } : {}),
      redirect_url: `${options.baseUrl()}/rubitpay/pay/${invoice.invoice_id}`,
    })
  }

  api.post("/invoice/try", (req, res) => {
    const { payway, currency } = req.body
    if (!CURRENCIES.includes(currency) || !(payway in PAYWAYS)) return refuse(res, "unsupported_payway")
    answer(res, { result: true, add_ons_config: PAYWAYS[payway] })
  })
  api.post("/invoice/create", openInvoice("create"))
  api.post("/invoice/hold", openInvoice("hold"))

  api.post("/invoice/check", (req, res) => {
    if (!checkAvailable) return res.status(404).send("Not Found")
    if (checkError) return refuse(res, checkError)
    const invoice = invoices.get(req.body.shop_order_id)
    if (!invoice) return refuse(res, "order_not_found")
    answer(res, {
      result: true,
      status: invoice.status,
      invoice_id: invoice.invoice_id,
      amount: invoice.amount,
      currency: invoice.currency,
    })
  })

  const settle = (from: InvoiceStatus, to: InvoiceStatus) => async (req: Request, res: Response) => {
    const invoice = invoices.get(req.body.shop_order_id)
    if (!invoice) return refuse(res, "order_not_found")
    if (invoice.status !== from) return refuse(res, "invalid_state", `Invoice is ${invoice.status}`)
    invoice.status = to
    answer(res, { result: true })
    await notify(invoice, to)
  }
  api.post("/invoice/charge", settle("hold", "success"))
  api.post("/invoice/unhold", settle("hold", "fail"))

  function addRefund(invoice: Invoice, shopRefundId: string, amount: string): string | undefined {
    const refunded = Number(refundedTotal(invoice))
    if (invoice.status !== "success" && invoice.status !== "refund") return "invalid_state"
    if (Number(amount) <= 0 || refunded + Number(amount) > Number(invoice.amount) + 1e-9) return "invalid_amount"
    invoice.refunds.push({ shop_refund_id: shopRefundId, amount })
    if (refunded + Number(amount) >= Number(invoice.amount) - 1e-9) invoice.status = "refund"
    return undefined
  }

  api.post("/invoice/create-refund", async (req, res) => {
    if (!refundsAvailable) return refuse(res, "refund_not_available")
    const invoice = invoices.get(req.body.shop_order_id)
    if (!invoice) return refuse(res, "order_not_found")
    const previous = invoice.refunds.find((r) => r.shop_refund_id === req.body.shop_refund_id)
    if (previous) return answer(res, { result: true, ...previous })
    const refused = addRefund(invoice, String(req.body.shop_refund_id), String(req.body.amount))
    if (refused) return refuse(res, refused)
    answer(res, { result: true, shop_refund_id: String(req.body.shop_refund_id), amount: String(req.body.amount) })
    await notify(invoice, "refund")
  })

  const pages = Router()
  const page = (invoice: Invoice, message?: string) =>
    paymentPage({
      gateway: "RubitPay",
      amount: `${invoice.amount} ${invoice.currency}`,
      title: `Invoice ${invoice.invoice_id}`,
      message,
      rows: [
        ["Order", invoice.shop_order_id],
        ["Amount", `${invoice.amount} ${invoice.currency}`],
        ["Payway", invoice.payway],
        ...(typeof invoice.request.description === "string" ? [["Description", invoice.request.description] as [string, string]] : []),
      ],
      status: invoice.status,
      actions:
        invoice.status === "created"
          ? [
              invoice.method === "create"
                ? { label: "Pay", action: `${options.baseUrl()}/rubitpay/pay/${invoice.invoice_id}/pay`, testId: "pay", tone: "primary" as const }
                : { label: "Hold", action: `${options.baseUrl()}/rubitpay/pay/${invoice.invoice_id}/hold`, testId: "hold", tone: "primary" as const },
              { label: "Decline", action: `${options.baseUrl()}/rubitpay/pay/${invoice.invoice_id}/decline`, testId: "decline", tone: "danger" as const },
            ]
          : [],
    })
  const notFoundPage = () => paymentPage({ gateway: "RubitPay", title: "Invoice not found", rows: [], actions: [] })
  pages.get("/:invoiceId", (req, res) => {
    const invoice = byId.get(req.params.invoiceId)
    if (!invoice) return res.status(404).type("html").send(notFoundPage())
    res.type("html").send(page(invoice))
  })
  const customer = (to: InvoiceStatus, method?: "create" | "hold") => async (req: Request, res: Response) => {
    const json = wantsJson(req.header("accept"))
    const invoice = byId.get(req.params.invoiceId)
    if (!invoice) {
      return json
        ? res.status(404).json({ result: false, error_code: "order_not_found" })
        : res.status(404).type("html").send(notFoundPage())
    }
    if (invoice.status !== "created" || (method && invoice.method !== method)) {
      const message = `Invoice is ${invoice.status}`
      return json
        ? res.status(409).json({ result: false, error_code: "invalid_state", message })
        : res.status(409).type("html").send(page(invoice, message))
    }
    invoice.status = to
    // the webhook goes (and its delivery is awaited) before the answer, so a polling return page sees it soon
    const webhook = await notify(invoice, to)
    const result = { status: to, webhook: { delivered: webhook.delivered, httpStatus: webhook.httpStatus, error: webhook.error } }
    if (json) return res.json(result)
    const back = httpUrl(to === "fail" ? invoice.request.fail_url : invoice.request.success_url)
    if (back) return seeOther(res, back)
    return res.type("html").send(page(invoice, `Invoice ${to}.`))
  }
  pages.post("/:invoiceId/pay", customer("success", "create"))
  pages.post("/:invoiceId/hold", customer("hold", "hold"))
  pages.post("/:invoiceId/decline", customer("fail"))

  const control = Router()
  control.use(express.json())
  invoiceIds.route(control)
  control.post("/merchant", (req, res) => {
    const shop = shops.get(req.body?.shopId ?? RUBITPAY_SANDBOX_SHOPS[0].shopId)
    if (!shop) return res.status(404).json({ message: "No such shop" })
    if (req.body?.callbackUrl !== undefined) shop.callbackUrl = req.body.callbackUrl
    res.json({ shopId: shop.shopId, callbackUrl: shop.callbackUrl ?? null })
  })
  control.post("/next-error", (req, res) => {
    nextError = req.body?.error_code
    res.json({ armed: nextError })
  })
  control.post("/next-hang", (req, res) => {
    nextHangMs = Number(req.body?.hangMs ?? 0)
    res.json({ armed: nextHangMs })
  })
  control.post("/features", (req, res) => {
    if (req.body?.check !== undefined) checkAvailable = !!req.body.check
    if (req.body?.checkError !== undefined) checkError = req.body.checkError || undefined
    if (req.body?.invoiceId !== undefined) answerInvoiceId = !!req.body.invoiceId
    if (req.body?.refunds !== undefined) refundsAvailable = !!req.body.refunds
    res.json({ check: checkAvailable, checkError: checkError ?? null, invoiceId: answerInvoiceId, refunds: refundsAvailable })
  })
  control.get("/invoices", (_req, res) => res.json([...invoices.values()]))
  control.get("/invoices/:shopOrderId", (req, res) => {
    const invoice = invoices.get(req.params.shopOrderId)
    if (!invoice) return res.status(404).json({ message: "No such invoice" })
    res.json(invoice)
  })
  /** A refund the merchant makes in the RubitPay dashboard. */
  control.post("/invoices/:shopOrderId/refund", async (req, res) => {
    const invoice = invoices.get(req.params.shopOrderId)
    if (!invoice) return res.status(404).json({ message: "No such invoice" })
    const refused = addRefund(invoice, `dashboard-${invoice.refunds.length + 1}`, String(req.body.amount))
    if (refused) return res.status(409).json({ error_code: refused })
    res.json({ invoice, delivery: await notify(invoice, "refund") })
  })
  control.post("/invoices/:shopOrderId/status", async (req, res) => {
    const invoice = invoices.get(req.params.shopOrderId)
    if (!invoice) return res.status(404).json({ message: "No such invoice" })
    invoice.status = req.body.status
    const delivery = req.body.notify === false ? null : await notify(invoice, invoice.status, { wrongSign: req.body.wrongSign })
    res.json({ invoice, delivery })
  })

  return {
    api,
    pages,
    control,
    reset() {
      invoices.clear()
      byId.clear()
      invoiceIds.clear()
      nextError = undefined
      nextHangMs = 0
      checkAvailable = false
      checkError = undefined
      answerInvoiceId = false
      refundsAvailable = true
      for (const shop of shops.values()) shop.callbackUrl = undefined
    },
  }
}
