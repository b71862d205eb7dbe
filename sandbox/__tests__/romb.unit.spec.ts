import axios from "axios"
import http from "node:http"
import { AddressInfo } from "node:net"
import { readRombBody, verifyRombSignature } from "../../src/providers/romb/signature"
import { topLevelNumberLexeme } from "../body-text"
import { Sandbox, startSandbox } from "../index"

const AUTH = {
  "X-Uid": "sandbox-romb-uid",
  "X-Public-Key": "sandbox-romb-public",
  "X-Private-Key": "sandbox-romb-private",
}
const SECRET = "sandbox-romb-private"
const JSON_ACCEPT = { headers: { Accept: "application/json" }, validateStatus: () => true }

type Received = { raw: string; contentType?: string }

/** The provider's own check of a delivered webhook: the one strict read of its bytes, then the signature. */
function verified(raw: string, contentType: string | undefined, secret: string): boolean {
  return verifyRombSignature(readRombBody(raw, contentType), secret)
}

async function waitFor<T>(probe: () => T | undefined | false, ms = 2000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = probe()
    if (value) return value
    if (Date.now() > until) throw new Error("timed out waiting")
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe("Romb sandbox", () => {
  let sandbox: Sandbox
  let receiver: http.Server
  let received: Received[]
  let receiverStatus: number
  let hookUrl: string

  const control = (path: string, body?: unknown) =>
    axios.post(`${sandbox.url}/__control${path}`, body, { validateStatus: () => true })
  const order = async (orderNumber: string) =>
    (await axios.get(`${sandbox.url}/__control/romb/orders/${encodeURIComponent(orderNumber)}`)).data
  /** A string body is sent as is (to control how the amount is written, or to send broken JSON). */
  const create = (body: unknown, headers: Record<string, string> = AUTH) =>
    axios.post(`${sandbox.url}/romb/api/pay/order/create`, typeof body === "string" ? body : JSON.stringify(body), {
      headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
      transformRequest: [(data) => data],
      validateStatus: () => true,
    })
  const cancel = (orderNumber: string, headers: Record<string, string> = {}) =>
    axios.post(`${sandbox.url}/romb/pay/order/cancel/${encodeURIComponent(orderNumber)}`, null, {
      headers: { Accept: "application/json", ...headers },
      validateStatus: () => true,
    })

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 })
    receiver = http.createServer((req, res) => {
      let raw = ""
      req.on("data", (c) => (raw += c))
      req.on("end", () => {
        received.push({ raw, contentType: req.headers["content-type"] })
        res.statusCode = receiverStatus
        res.end(receiverStatus === 200 ? "OK" : "nope")
      })
    })
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  })
  afterAll(async () => {
    await sandbox.close()
    await new Promise((r) => receiver.close(r))
  })
  beforeEach(async () => {
    received = []
    receiverStatus = 200
    await control("/reset")
    await control("/romb/merchant", { callbackUrl: hookUrl })
  })

  describe("create", () => {
    it("refuses missing or wrong auth headers with 401 unauthorized, creating nothing", async () => {
      const wrong = await create({ orderNumber: "A", amount: 10 }, { ...AUTH, "X-Private-Key": "nope" })
      expect(wrong.status).toBe(401)
      expect(wrong.data).toEqual({ status: "error", error: { code: "unauthorized", message: "Invalid API credentials" } })
      const { "X-Uid": _, ...withoutUid } = AUTH
      const missing = await axios.post(`${sandbox.url}/romb/api/pay/order/create`, { orderNumber: "A", amount: 10 }, {
        headers: withoutUid,
        validateStatus: () => true,
      })
      expect(missing.status).toBe(401)
      expect(missing.data.error.code).toBe("unauthorized")
      expect((await axios.get(`${sandbox.url}/__control/romb/orders`)).data).toEqual([])
    })

    it("answers validation errors with HTTP 422 in the doc's shape", async () => {
      const bad = await create({ orderNumber: "A", amount: 10, email: "bad" })
      expect(bad.status).toBe(422)
      expect(bad.data).toEqual({ status: "error", error: { code: "validation_error", message: "Invalid email format" } })
      const message = async (body: unknown) => {
        const response = await create(body)
        expect(response.status).toBe(422)
        expect(response.data.error.code).toBe("validation_error")
        return response.data.error.message as string
      }
      expect(await message({ amount: 10 })).toBe("orderNumber is required")
      expect(await message({ orderNumber: "  ", amount: 10 })).toBe("orderNumber is required")
      expect(await message({ orderNumber: "A" })).toBe("amount is required")
      expect(await message({ orderNumber: "A", amount: "10.00" })).toBe("amount must be a number")
      expect(await message({ orderNumber: "A", amount: 0 })).toBe("amount must be positive")
      expect(await message({ orderNumber: "A", amount: -5 })).toBe("amount must be positive")
      expect(await message({ orderNumber: "A", amount: 10.555 })).toMatch(/2 decimals/)
      expect(await message({ orderNumber: "A", amount: 10, currency: 999 })).toBe("Unsupported currency")
      expect(await message({ orderNumber: "A", amount: 10, currency: "RUB" })).toMatch(/numeric ISO 4217/)
      expect(await message({ orderNumber: "A", amount: 10, phone: "call me" })).toBe("Invalid phone format")
      expect(await message("not json")).toBe("Request body must be JSON")
      expect(await message('["A", 10]')).toBe("Request body must be a JSON object")
      expect((await axios.get(`${sandbox.url}/__control/romb/orders`)).data).toEqual([])
    })

    it("accepts the doc's example and the usual numeric currencies", async () => {
      const example = await create({
        orderNumber: "E-0061",
        amount: 289.68,
        description: "Test Pay",
        currency: 643,
        email: "test@example.com",
        phone: "+71111111111",
      })
      expect(example.status).toBe(200)
      expect(example.data).toEqual({
        status: "success",
        data: {
          orderId: expect.stringMatching(/^\d+$/),
          formUrl: expect.stringMatching(new RegExp(`^${sandbox.url}/romb/pay/order/[0-9a-f-]{36}$`)),
        },
      })
      for (const currency of [840, 978, 398, 933, 980]) {
        expect((await create({ orderNumber: `C-${currency}`, amount: 1, currency })).data.status).toBe("success")
      }
      expect((await order("C-840")).request.currency).toBe(840)
      expect((await create({ orderNumber: "NOCUR", amount: 1 })).data.status).toBe("success")
      expect((await order("NOCUR")).request.currency).toBe(643)
    })

    it("answers the same order for a repeated orderNumber, duplicate_order for another amount or currency", async () => {
      const first = await create({ orderNumber: "A", amount: 289.68, currency: 643 })
      const again = await create({ orderNumber: "A", amount: 289.68, currency: 643, description: "retry" })
      expect(again.data).toEqual(first.data)
      const sameValue = await create('{"orderNumber":"A","amount":289.680,"currency":643}')
      expect(sameValue.data).toEqual(first.data)
      for (const other of [{ amount: 1, currency: 643 }, { amount: 289.68, currency: 840 }]) {
        const response = await create({ orderNumber: "A", ...other })
        expect(response.status).toBe(422)
        expect(response.data).toEqual({
          status: "error",
          error: { code: "duplicate_order", message: expect.any(String) },
        })
      }
      expect((await axios.get(`${sandbox.url}/__control/romb/orders`)).data).toHaveLength(1)
    })
  })

  describe("hosted page and webhooks", () => {
    it("shows the order and pays it: signed PAID webhook keeping the amount as written", async () => {
      const created = await create(
        '{"orderNumber":"B-1","amount":100.50,"currency":643,"email":"a@b.co","description":"Two <b>mugs</b>"}'
      )
      const formUrl: string = created.data.data.formUrl
      const token = formUrl.split("/").pop()
      const page = await axios.get(formUrl)
      expect(page.headers["content-type"]).toMatch(/text\/html/)
      for (const text of ["B-1", "100.50", "RUB", "643", "Two &#60;b&#62;mugs&#60;/b&#62;", ">Pay</button>", ">Cancel</button>"]) {
        expect(page.data).toContain(text)
      }
      expect(page.data).toContain(`action="/romb/pay/order/${token}/pay"`)
      expect(page.data).toContain(`action="/romb/pay/order/${token}/decline"`)

      const paid = await axios.post(`${formUrl}/pay`, null, JSON_ACCEPT)
      expect(paid.data).toEqual({ status: "PAID", webhook: { delivered: true, httpStatus: 200 } })
      expect(received).toHaveLength(1)
      const [hook] = received
      expect(hook.contentType).toMatch(/^application\/json/)
      expect(hook.raw).toContain('"amount":100.50,')
      expect(hook.raw).toMatch(/,"sign":"[0-9a-f]{64}"}$/)
      const body = JSON.parse(hook.raw)
      expect(Object.keys(body)).toEqual(["id", "order_id", "amount", "data", "createdDateTime", "status", "sign"])
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        order_id: "B-1",
        amount: 100.5,
        data: { customer_email: "a@b.co", description: "Two <b>mugs</b>" },
        createdDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
        status: "PAID",
        sign: expect.any(String),
      })
      expect(verified(hook.raw, hook.contentType, SECRET)).toBe(true)
      expect(verified(hook.raw, hook.contentType, "another-secret")).toBe(false)

      const state = await order("B-1")
      expect(state.status).toBe("PAID")
      expect(state.webhooks).toEqual([expect.objectContaining({ url: hookUrl, body: hook.raw, delivered: true, httpStatus: 200 })])
      // the creation time, not the notification time
      expect(Date.parse(body.createdDateTime)).toBe(Math.floor(Date.parse(state.created_at) / 1000) * 1000)

      const again = await axios.post(`${formUrl}/pay`, null, JSON_ACCEPT)
      expect(again.status).toBe(409)
      expect(again.data.status).toBe("error")
      expect((await axios.post(`${formUrl}/decline`, null, JSON_ACCEPT)).status).toBe(409)
      expect((await cancel("B-1")).data).toEqual({ status: "error", message: "Order not found or already processed" })
      expect(received).toHaveLength(1)
    })

    it("answers an HTML result page to a browser form post; Cancel sends a CANCELED webhook", async () => {
      const { data } = await create({ orderNumber: "H-1", amount: 5 })
      const declined = await axios.post(`${data.data.formUrl}/decline`, "", {
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "text/html" },
      })
      expect(declined.headers["content-type"]).toMatch(/text\/html/)
      expect(declined.data).toContain("Payment canceled.")
      expect(declined.data).not.toContain("<button")
      expect(JSON.parse(received[0].raw)).toEqual(expect.objectContaining({ order_id: "H-1", amount: 5, status: "CANCELED" }))
      expect(verified(received[0].raw, "application/json", SECRET)).toBe(true)
      const paid = await axios.post(`${data.data.formUrl}/pay`, "", {
        headers: { Accept: "text/html" },
        validateStatus: () => true,
      })
      expect(paid.status).toBe(409)
      expect(paid.data).toContain("Payment is already CANCELED")
      expect((await axios.get(`${sandbox.url}/romb/pay/order/unknown-token`, { validateStatus: () => true })).status).toBe(404)
    })

    it("records failed deliveries: merchant answering 500, nothing listening, no callback URL", async () => {
      receiverStatus = 500
      const a = await create({ orderNumber: "W-1", amount: 1 })
      expect((await axios.post(`${a.data.data.formUrl}/pay`, null, JSON_ACCEPT)).data).toEqual({
        status: "PAID",
        webhook: { delivered: false, httpStatus: 500 },
      })
      await control("/romb/merchant", { callbackUrl: "http://127.0.0.1:1/hook" })
      const b = await create({ orderNumber: "W-2", amount: 1 })
      const paidB = (await axios.post(`${b.data.data.formUrl}/pay`, null, JSON_ACCEPT)).data
      expect(paidB.webhook).toEqual({ delivered: false, error: expect.stringMatching(/ECONNREFUSED/) })
      await control("/romb/merchant", { callbackUrl: null })
      const c = await create({ orderNumber: "W-3", amount: 1 })
      const paidC = (await axios.post(`${c.data.data.formUrl}/pay`, null, JSON_ACCEPT)).data
      expect(paidC.webhook).toEqual({ delivered: false, error: "no callback URL configured" })
      expect((await order("W-2")).webhooks[0]).toEqual(expect.objectContaining({ delivered: false, error: expect.any(String) }))
    })

    it("signs with webhookSecret when one is set, and honours custom merchant credentials", async () => {
      const set = await control("/romb/merchant", { webhookSecret: "hook-secret" })
      expect(set.data).toEqual({ uid: "sandbox-romb-uid", callbackUrl: hookUrl, returnUrl: null })
      const { data } = await create({ orderNumber: "S-1", amount: 7.25 })
      await axios.post(`${data.data.formUrl}/pay`, null, JSON_ACCEPT)
      expect(verified(received[0].raw, "application/json", "hook-secret")).toBe(true)
      expect(verified(received[0].raw, "application/json", SECRET)).toBe(false)

      const custom = await startSandbox({ port: 0, romb: { uid: "u", publicKey: "p", privateKey: "k", callbackUrl: hookUrl } })
      try {
        const url = `${custom.url}/romb/api/pay/order/create`
        const opts = { validateStatus: () => true }
        expect((await axios.post(url, { orderNumber: "X", amount: 1 }, { ...opts, headers: AUTH })).status).toBe(401)
        const ok = await axios.post(url, { orderNumber: "X", amount: 1 }, { ...opts, headers: { "X-Uid": "u", "X-Public-Key": "p", "X-Private-Key": "k" } })
        expect(ok.data.data.formUrl).toMatch(new RegExp(`^${custom.url}/romb/pay/order/`))
        await axios.post(`${ok.data.data.formUrl}/pay`, null, JSON_ACCEPT)
        expect(verified(received[1].raw, "application/json", "k")).toBe(true)
      } finally {
        await custom.close()
      }
    })
  })

  describe("cancel API", () => {
    it("cancels a pending order once, with a CANCELED webhook, with or without auth headers", async () => {
      const { data } = await create({ orderNumber: "C/1", amount: 10 })
      const first = await cancel("C/1")
      expect(first.status).toBe(200)
      expect(first.data).toEqual({ status: "success", message: "Payment cancelled successfully" })
      const hook = await waitFor(() => received[0])
      expect(JSON.parse(hook.raw)).toEqual(expect.objectContaining({ order_id: "C/1", status: "CANCELED" }))
      expect(verified(hook.raw, hook.contentType, SECRET)).toBe(true)
      const second = await cancel("C/1")
      expect(second.status).toBe(404)
      expect(second.data).toEqual({ status: "error", message: "Order not found or already processed" })
      expect((await axios.post(`${data.data.formUrl}/pay`, null, JSON_ACCEPT)).status).toBe(409)
      expect((await cancel("never-created")).data).toEqual({ status: "error", message: "Order not found or already processed" })

      await create({ orderNumber: "C-2", amount: 10 })
      expect((await cancel("C-2", AUTH)).data.status).toBe("success")
      await waitFor(() => received.length === 2)
      expect(received).toHaveLength(2)
    })
  })

  describe("control API", () => {
    it("makes the next create fail with an error, an HTTP status, or both; only once", async () => {
      await control("/romb/next-create", { error: { code: "merchant_blocked", message: "Merchant is blocked" } })
      const injected = await create({ orderNumber: "D", amount: 1 })
      expect(injected.status).toBe(422)
      expect(injected.data).toEqual({ status: "error", error: { code: "merchant_blocked", message: "Merchant is blocked" } })
      expect((await create({ orderNumber: "D", amount: 1 })).data.status).toBe("success")

      await control("/romb/next-create", { httpStatus: 503 })
      const unavailable = await create({ orderNumber: "D2", amount: 1 })
      expect(unavailable.status).toBe(503)
      expect(unavailable.data).toBe("Service Unavailable")

      await control("/romb/next-create", { httpStatus: 500, error: { code: "internal", message: "Oops" } })
      const both = await create({ orderNumber: "D2", amount: 1 })
      expect(both.status).toBe(500)
      expect(both.data.error.code).toBe("internal")
      expect((await axios.get(`${sandbox.url}/__control/romb/orders`)).data.map((o: any) => o.orderNumber)).toEqual(["D"])

      expect((await control("/romb/next-create", { httpStatus: 200 })).status).toBe(400)
      expect((await control("/romb/next-create", {})).status).toBe(400)
    })

    it("hangs the next create so a client times out, while the order is still created", async () => {
      await control("/romb/next-create", { hangMs: 1500 })
      await expect(
        axios.post(`${sandbox.url}/romb/api/pay/order/create`, { orderNumber: "E", amount: 1 }, { headers: AUTH, timeout: 200 })
      ).rejects.toThrow(/timeout/)
      expect((await order("E")).status).toBe("WAIT")
      const started = Date.now()
      expect((await create({ orderNumber: "E", amount: 1 })).data.status).toBe("success")
      expect(Date.now() - started).toBeLessThan(500)
    })

    it("re-sends webhooks: concurrent copies, tampered fields, a wrong sign, form-encoded, applied status", async () => {
      await create('{"orderNumber":"F","amount":12.30,"email":"f@x.io"}')
      const copies = await control("/romb/orders/F/webhooks", { status: "PAID", copies: 5 })
      expect(copies.data.deliveries).toHaveLength(5)
      expect(received).toHaveLength(5)
      const bodies = received.map((r) => JSON.parse(r.raw))
      expect(new Set(bodies.map((b) => b.id)).size).toBe(1)
      expect(received.every((r) => verified(r.raw, r.contentType, SECRET))).toBe(true)
      expect((await order("F")).status).toBe("WAIT")

      for (const status of ["WAIT", "PENDING"]) {
        await control("/romb/orders/F/webhooks", { status })
        expect(JSON.parse(received[received.length - 1].raw).status).toBe(status)
      }

      received = []
      const fields = ["id", "order_id", "amount", "data", "createdDateTime", "status"]
      for (const tamper of [true, ...fields]) {
        await control("/romb/orders/F/webhooks", { status: "PAID", tamper })
      }
      await control("/romb/orders/F/webhooks", { status: "PAID", wrongSign: true })
      expect(received).toHaveLength(fields.length + 2)
      expect(received.map((r) => verified(r.raw, r.contentType, SECRET))).toEqual(received.map(() => false))
      expect(JSON.parse(received[0].raw).amount).toBe(13.3)

      received = []
      await control("/romb/orders/F/webhooks", { status: "PAID", format: "form" })
      expect(received[0].contentType).toBe("application/x-www-form-urlencoded")
      expect(received[0].raw).toMatch(/^id=[0-9a-f-]+&order_id=F&amount=12\.30&data%5Bcustomer_email%5D=f%40x\.io&createdDateTime=.+&status=PAID&sign=[0-9a-f]{64}$/)
      expect(verified(received[0].raw, received[0].contentType, SECRET)).toBe(true)

      await control("/romb/orders/F/webhooks", { status: "PAID", apply: true })
      expect((await order("F")).status).toBe("PAID")
      expect((await cancel("F")).status).toBe(404)

      expect((await control("/romb/orders/F/webhooks", { status: "REFUNDED" })).status).toBe(400)
      expect((await control("/romb/orders/F/webhooks", { copies: 0 })).status).toBe(400)
      expect((await control("/romb/orders/nope/webhooks", {})).status).toBe(404)
    })

    it("logs gateway requests with the credentials masked, and resets everything", async () => {
      await create({ orderNumber: "L", amount: 3 })
      await cancel("L")
      const log = (await axios.get(`${sandbox.url}/__control/requests?path=/romb`)).data
      expect(log.map((e: any) => `${e.method} ${e.path}`)).toEqual([
        "POST /romb/api/pay/order/create",
        "POST /romb/pay/order/cancel/L",
      ])
      expect(log[0].headers).toEqual(
        expect.objectContaining({ "x-uid": "***", "x-public-key": "***", "x-private-key": "***" })
      )
      expect(JSON.parse(log[0].body)).toEqual({ orderNumber: "L", amount: 3 })
      const everything = JSON.stringify((await axios.get(`${sandbox.url}/__control/requests`)).data)
      for (const secret of Object.values(AUTH)) expect(everything).not.toContain(secret)

      await control("/romb/next-create", { httpStatus: 500 })
      await control("/reset")
      expect((await axios.get(`${sandbox.url}/__control/requests`)).data).toEqual([])
      expect((await axios.get(`${sandbox.url}/__control/romb/orders`)).data).toEqual([])
      expect((await create({ orderNumber: "L", amount: 99 })).data.status).toBe("success")
    })
  })
})

describe("topLevelNumberLexeme", () => {
  it("reads the top-level member exactly as written", () => {
    expect(topLevelNumberLexeme('{"amount":100.50}', "amount")).toBe("100.50")
    expect(topLevelNumberLexeme('{ "items":[{"amount":1}], "note":"\\"amount\\": 2", "amount" : 1e2 }', "amount")).toBe("1e2")
    expect(topLevelNumberLexeme('{"amount":1,"amount":2.10}', "amount")).toBe("2.10")
    expect(topLevelNumberLexeme('{"amount":"3"}', "amount")).toBeUndefined()
    expect(topLevelNumberLexeme('{"x":{"amount":3}}', "amount")).toBeUndefined()
  })
})
