import { randomBytes } from "node:crypto"
import express, { Request, Response, Router } from "express"
import { GatewayIds } from "./control"
import { httpUrl, PageAction, paymentPage, seeOther, wantsJson, withQueryParam } from "./page"
import { exchangerIpnHash } from "./signers"
import { deliverWebhook, WebhookDelivery } from "./webhook"

/**
 * Emulator of one BoxExchanger-engine site (obmin.me, pocketbank.net share
 * the engine), after its merchant docs and the engine's known answers:
 * - `POST {site}/api/public/exchanger/order/create` (form-urlencoded with
 *   bracket arrays, or JSON) -> `{ success, data: { _id, uid, secret, inAmount, outAmount } }`
 *   or `{ success: false, error: { apiError, message, errorType, object: { fieldId, nameField, err, type }, errorCode } }`;
 * - `GET {site}/api/public/exchanger/order/get?orderUID=&orderSecret=` -> `{ success, data: { order } }`;
 * - `PUT {site}/api/public/exchanger/order/update-status` `{ orderUID, orderSecret, status }`: a client may
 *   change its own order only while it is `new` or `waitPayment`, and never to `inProgressPayout`, `done` or `hold`;
 * - the payment page `{site}/{lang}/payment/{uid}/{secret}`. The customer's buttons: "I have paid"
 *   (`POST …/pay`: the exchanger processing an instant exchange, inProgress -> inProgressPayout -> done, one IPN
 *   each, in order), "Payment failed" (`…/decline`: errorPayment) and "Cancel order" (`…/cancel`: deleted). A
 *   browser (not `Accept: application/json`) is then sent back with 303 to the order's `clientCallbackUrl` plus
 *   `status=success` (done) or `status=error`, as the docs say (`?status=…`, or `&status=…` when the URL already
 *   has a query); without a clientCallbackUrl it gets the result page. Below them, the tester's buttons set any
 *   status (`POST …/{status}`, one IPN) and always answer the result page (JSON for scripted clients); once the
 *   order has ended (done; errorPayment, deleted, returned) the page shows the docs' "return to the site" link;
 * - each status change sends one IPN (form-urlencoded, hashed with the order's ipnSecret), which can be
 *   lost, duplicated, delayed or sent with a bad hash on demand. Timestamps are unix milliseconds, as in the doc's example.
 */
type Route = { xml_from: string; xml_to: string; rate: number; min: number; max: number; toKeys: string[] }

export const EXCHANGER_SANDBOX_ROUTES: Record<string, Route> = {
  "65a1f0c2e4b0a1b2c3d4e5f6": { xml_from: "CARDRUB", xml_to: "USDTTRC20", rate: 0.0105, min: 500, max: 500000, toKeys: ["wallet"] },
  "65a1f0c2e4b0a1b2c3d4e5f7": { xml_from: "CARDUAH", xml_to: "USDTTRC20", rate: 0.024, min: 200, max: 200000, toKeys: ["wallet"] },
}

/** What a client may not set through update-status: the exchanger's own decisions. */
const EXCHANGER_ONLY_STATUSES = ["inProgressPayout", "done", "hold"]
const STATUSES = ["new", "waitPayment", "errorPayment", "inProgress", "inProgressPayout", "errorPayout", "hold", "done", "returned", "deleted"]
/** The customer's "I have paid" on an instant exchange: the steps the exchanger takes, in order. */
const PAY_WALK = ["inProgress", "inProgressPayout", "done"]
/** Where "I have paid" can start: unpaid, or part of the way along PAY_WALK. */
const PAYABLE = ["new", "waitPayment", "inProgress", "inProgressPayout"]
/** Where the customer may still fail or cancel the payment (the engine lets a client change its order only then). */
const UNPAID = ["new", "waitPayment"]
/** The order has ended: the clientCallbackUrl's `status` for each final status. */
const RETURN_STATUS: Record<string, "success" | "error"> = { done: "success", errorPayment: "error", deleted: "error", returned: "error" }

type Order = {
  _id: string
  uid: number
  secret: string
  routeId: string
  status: string
  inAmount: string
  outAmount: string
  xml_from: string
  xml_to: string
  fromValues: Array<{ key: string; value: string }>
  toValues: Array<{ key: string; value: string }>
  lang: string
  hideOutData: boolean
  clientCallbackUrl?: string
  ipnUrl?: string
  ipnSecret?: string
  request: Record<string, unknown>
  ipns: WebhookDelivery[]
}

/** What an IPN tells of an order: the fields the engine posts (the control API's order JSON has them too). */
export type ExchangerIpnOrder = Pick<Order, "_id" | "uid" | "inAmount" | "outAmount" | "xml_from" | "xml_to" | "toValues" | "hideOutData">

/**
 * The IPN the engine posts for `order` on reaching `newStatus`: its fields, the payout requisites (masked
 * while the order hides its out data) and the hash under `ipnSecret`, form-urlencoded. Pure (the caller
 * picks the timestamp and secret), so that the benchmark (scripts/bench/webhooks.js) sends the very bytes
 * the sandbox delivers.
 */
export function exchangerIpnForm(order: ExchangerIpnOrder, ipn: { newStatus: string; timestamp: string; ipnSecret: string }): string {
  const fields = {
    orderUID: String(order.uid),
    orderId: order._id,
    newStatus: ipn.newStatus,
    inAmount: order.inAmount,
    outAmount: order.outAmount,
    xml_from: order.xml_from,
    xml_to: order.xml_to,
    timestamp: ipn.timestamp,
  }
  const form = new URLSearchParams(fields)
  order.toValues.forEach((v, i) => {
    form.set(`toValues[${i}][key]`, v.key)
    form.set(`toValues[${i}][name]`, v.key)
    form.set(`toValues[${i}][value]`, order.hideOutData ? "***" : v.value)
  })
  form.set("hash", exchangerIpnHash(fields, ipn.ipnSecret))
  return form.toString()
}

type IpnMode = { mode: "normal" | "lost" | "duplicate" | "delayed" | "badHash"; delayMs?: number }

function engineError(res: Response, message: string, object?: Record<string, string>) {
  return res.json({ success: false, error: { apiError: true, message, errorType: "api", object: object ?? null, level: 0, errorCode: 400 } })
}

export function createExchangerSandbox(options: { name: string; baseUrl: () => string; firstUid: number }) {
  const orders = new Map<string, Order>()
  const orderIds = new GatewayIds(options.firstUid, 90_000)
  let nextCreateError: string | undefined
  let ipnMode: IpnMode = { mode: "normal" }
  const site = () => `${options.baseUrl()}/exchanger/${options.name}`

  function ipnBody(order: Order, badHash: boolean) {
    return exchangerIpnForm(order, {
      newStatus: order.status,
      timestamp: String(Date.now()),
      ipnSecret: badHash ? "wrong" : order.ipnSecret ?? "",
    })
  }

  /** The engine sends each IPN once; the mode decides what happens to it. */
  async function notify(order: Order) {
    const mode = ipnMode
    ipnMode = { mode: "normal" }
    if (!order.ipnUrl || mode.mode === "lost") {
      order.ipns.push({ url: order.ipnUrl ?? "", body: "", contentType: "", delivered: false, error: "lost", sent_at: new Date().toISOString() })
      return
    }
    if (mode.mode === "delayed") await new Promise((r) => setTimeout(r, mode.delayMs ?? 1000))
    const send = () => deliverWebhook(order.ipnUrl, ipnBody(order, mode.mode === "badHash"), "application/x-www-form-urlencoded")
    const deliveries = mode.mode === "duplicate" ? await Promise.all([send(), send()]) : [await send()]
    order.ipns.push(...deliveries)
  }

  const api = Router()
  api.use(express.urlencoded({ extended: true }), express.json())

  api.post("/public/exchanger/order/create", (req: Request, res: Response) => {
    const body = req.body ?? {}
    if (nextCreateError) {
      const message = nextCreateError
      nextCreateError = undefined
      return engineError(res, message)
    }
    const route = EXCHANGER_SANDBOX_ROUTES[body.routeId]
    if (!route) return engineError(res, `Route ${body.routeId} not found`, { fieldId: "routeId", nameField: "Route", err: "notFound", type: "route" })
    const amount = Number(body.amount)
    if (!Number.isFinite(amount) || amount < route.min || amount > route.max) {
      return engineError(res, `Param amount isn't valid: ${body.amount} (min ${route.min}, max ${route.max})`, {
        fieldId: "amount", nameField: "Amount", err: "min", type: "amount",
      })
    }
    const toValues: Array<{ key: string; value: string }> = Object.values(body.toValues ?? {})
    for (const key of route.toKeys) {
      const value = toValues.find((v) => v.key === key)?.value
      if (!value || !/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(value)) {
        return engineError(res, `Param ${key} isn't valid: ${value ?? ""}`, { fieldId: key, nameField: "USDT TRC20 wallet", err: "regexp", type: "toValues" })
      }
    }
    const order: Order = {
      _id: orderIds.idFor(randomBytes(12).toString("hex")),
      uid: orderIds.nextNumber(),
      secret: randomBytes(18).toString("base64url"),
      routeId: body.routeId,
      status: "new",
      inAmount: String(body.amount),
      outAmount: (amount * route.rate).toFixed(2),
      xml_from: route.xml_from,
      xml_to: route.xml_to,
      fromValues: Object.values(body.fromValues ?? {}),
      toValues,
      lang: body.lang ?? "en",
      hideOutData: String(body.hideOutData) !== "false",
      clientCallbackUrl: body.clientCallbackUrl,
      ipnUrl: body.ipnUrl,
      ipnSecret: body.ipnSecret,
      request: body,
      ipns: [],
    }
    orders.set(String(order.uid), order)
    res.json({
      success: true,
      data: { _id: order._id, uid: order.uid, rid: order.routeId, secret: order.secret, inAmount: order.inAmount, outAmount: order.outAmount },
      latency_ms: 3,
      requestId: randomBytes(8).toString("hex"),
    })
  })

  api.get("/public/exchanger/order/get", (req, res) => {
    const order = orders.get(String(req.query.orderUID))
    if (!order || order.secret !== req.query.orderSecret) return engineError(res, "Order not found")
    const { ipnSecret: _secret, ipns: _ipns, request: _request, ...visible } = order
    res.json({ success: true, data: { order: visible, verifications: [] } })
  })

  api.put("/public/exchanger/order/update-status", async (req, res) => {
    const { orderUID, orderSecret, status } = req.body ?? {}
    const order = orders.get(String(orderUID))
    if (!order || order.secret !== orderSecret) return engineError(res, "Order not found")
    if (!STATUSES.includes(status) || EXCHANGER_ONLY_STATUSES.includes(status)) {
      return engineError(res, `Status ${status} can't be set`, { fieldId: "status", nameField: "Status", err: "enum", type: "status" })
    }
    if (order.status === status) return res.json({ success: true })
    if (order.status !== "new" && order.status !== "waitPayment") {
      return engineError(res, `Order status ${order.status} can't be changed`)
    }
    order.status = status
    await notify(order)
    res.json({ success: true })
  })

  /** The clientCallbackUrl with the docs' `status=success|error` for an ended order; undefined while it runs or without a URL. */
  const returnUrl = (order: Order) => {
    const url = httpUrl(order.clientCallbackUrl)
    const status = RETURN_STATUS[order.status]
    return url && status ? withQueryParam(url, "status", status) : undefined
  }
  /** The last IPN sent, as the JSON answers show it. */
  const lastIpn = (order: Order) => {
    const last = order.ipns[order.ipns.length - 1]
    return last ? { delivered: last.delivered, httpStatus: last.httpStatus, error: last.error } : null
  }

  const pages = Router()
  const page = (order: Order, message?: string) => {
    const base = `${site()}/${order.lang}/payment/${order.uid}/${order.secret}`
    const customer: PageAction[] = [
      ...(PAYABLE.includes(order.status) ? [{ label: "I have paid", action: `${base}/pay`, testId: "pay", tone: "primary" as const }] : []),
      ...(UNPAID.includes(order.status)
        ? [
            { label: "Payment failed", action: `${base}/decline`, testId: "decline", tone: "danger" as const },
            { label: "Cancel order", action: `${base}/cancel`, testId: "cancel", tone: "plain" as const },
          ]
        : []),
    ]
    const back = returnUrl(order)
    return paymentPage({
      gateway: `Exchanger ${options.name}`,
      amount: `${order.inAmount} ${order.xml_from}`,
      title: `Order ${order.uid}`,
      message,
      rows: [
        ["You pay", `${order.inAmount} ${order.xml_from}`],
        ["Merchant receives", `${order.outAmount} ${order.xml_to}`],
      ],
      status: order.status,
      actions: customer,
      link: back ? { label: "Return to the shop", href: back, testId: "return" } : undefined,
      tools: {
        heading: "Sandbox: set the status as the exchanger would",
        note: "Each button sends one IPN; the page stays here.",
        actions: STATUSES.filter((s) => s !== order.status && s !== "new").map((status) => ({
          label: status,
          action: `${base}/${status}`,
          testId: `status-${status}`,
        })),
      },
    })
  }
  const findOrder = (req: Request) => {
    const order = orders.get(req.params.uid)
    return order && order.secret === req.params.secret ? order : undefined
  }
  pages.get("/:lang/payment/:uid/:secret", (req, res) => {
    const order = findOrder(req)
    if (!order) return res.status(404).send("Order not found")
    res.type("html").send(page(order))
  })

  /**
   * The customer's buttons: walk the order through `steps` (one IPN each, in order, each awaited), then
   * JSON for scripted clients, 303 to the clientCallbackUrl for a browser, or the result page without one.
   */
  const customerAction = (from: string[], steps: (order: Order) => string[]) => async (req: Request, res: Response) => {
    const json = wantsJson(req.header("accept"))
    const order = findOrder(req)
    if (!order) return json ? res.status(404).json({ success: false }) : res.status(404).send("Order not found")
    if (!from.includes(order.status)) {
      const message = `Order status ${order.status} can't be changed`
      return json ? res.status(409).json({ success: false, status: order.status, message }) : res.status(409).type("html").send(page(order, message))
    }
    const ipns: Array<{ status: string } & NonNullable<ReturnType<typeof lastIpn>>> = []
    for (const status of steps(order)) {
      order.status = status
      await notify(order)
      ipns.push({ status, ...lastIpn(order)! })
    }
    if (json) return res.json({ status: order.status, ipns })
    const back = returnUrl(order)
    if (back) return seeOther(res, back)
    return res.type("html").send(page(order, `Status: ${order.status}`))
  }
  pages.post(
    "/:lang/payment/:uid/:secret/pay",
    customerAction(PAYABLE, (order) => PAY_WALK.slice(PAY_WALK.indexOf(order.status) + 1))
  )
  pages.post("/:lang/payment/:uid/:secret/decline", customerAction(UNPAID, () => ["errorPayment"]))
  pages.post("/:lang/payment/:uid/:secret/cancel", customerAction(UNPAID, () => ["deleted"]))

  /** The tester's buttons (and scripted clients): set any status, one IPN; never a redirect. */
  pages.post("/:lang/payment/:uid/:secret/:status", async (req, res) => {
    const order = findOrder(req)
    if (!order) return res.status(404).json({ success: false })
    if (!STATUSES.includes(req.params.status)) return res.status(400).json({ success: false })
    order.status = req.params.status
    await notify(order)
    const result = { status: order.status, ipn: lastIpn(order) }
    return wantsJson(req.header("accept")) ? res.json(result) : res.type("html").send(page(order, `Status: ${order.status}`))
  })

  const control = Router()
  control.use(express.json())
  orderIds.route(control)
  control.post("/next-create-error", (req, res) => {
    nextCreateError = req.body?.message
    res.json({ armed: nextCreateError })
  })
  control.post("/ipn-mode", (req, res) => {
    ipnMode = req.body as IpnMode
    res.json(ipnMode)
  })
  control.get("/orders", (_req, res) => res.json([...orders.values()]))
  control.get("/orders/:uid", (req, res) => {
    const order = orders.get(req.params.uid)
    if (!order) return res.status(404).json({ message: "No such order" })
    res.json(order)
  })
  control.post("/orders/:uid/status", async (req, res) => {
    const order = orders.get(req.params.uid)
    if (!order) return res.status(404).json({ message: "No such order" })
    order.status = req.body.status
    if (req.body.notify !== false) await notify(order)
    res.json(order)
  })

  return {
    api,
    pages,
    control,
    reset() {
      orders.clear()
      orderIds.clear()
      nextCreateError = undefined
      ipnMode = { mode: "normal" }
    },
  }
}
