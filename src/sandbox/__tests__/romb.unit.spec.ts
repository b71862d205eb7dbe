import axios from "axios"
import http from "node:http"
import { AddressInfo } from "node:net"
import { verifyRombSignature } from "../../providers/romb/signature"
import { Sandbox, startSandbox } from "../index"

const AUTH = {
  "X-Uid": "sandbox-romb-uid",
  "X-Public-Key": "sandbox-romb-public",
  "X-Private-Key": "sandbox-romb-private",
}

describe("Romb sandbox", () => {
  let sandbox: Sandbox
  let receiver: http.Server
  let received: Array<{ raw: string; contentType?: string }>

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 })
    receiver = http.createServer((req, res) => {
      let raw = ""
      req.on("data", (c) => (raw += c))
      req.on("end", () => {
        received.push({ raw, contentType: req.headers["content-type"] })
        res.end("OK")
      })
    })
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
  })
  afterAll(async () => {
    await sandbox.close()
    await new Promise((r) => receiver.close(r))
  })
  beforeEach(async () => {
    received = []
    await axios.post(`${sandbox.url}/__control/reset`)
    await axios.post(`${sandbox.url}/__control/romb/merchant`, {
      callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    })
  })

  const create = (body: Record<string, unknown>, headers: Record<string, string> = AUTH) =>
    axios.post(`${sandbox.url}/romb/api/pay/order/create`, body, { headers, validateStatus: () => true })

  it("requires the three auth headers", async () => {
    const response = await create({ orderNumber: "A", amount: 10 }, { ...AUTH, "X-Private-Key": "nope" })
    expect(response.status).toBe(401)
    expect(response.data).toEqual({
      status: "error",
      error: { code: "unauthorized", message: "Invalid API credentials" },
    })
  })

  it("answers validation errors in the doc's shape", async () => {
    const response = await create({ orderNumber: "A", amount: 10, email: "bad" })
    expect(response.data).toEqual({
      status: "error",
      error: { code: "validation_error", message: "Invalid email format" },
    })
    expect((await create({ orderNumber: "A", amount: 10.555 })).data.error.message).toMatch(/2 decimals/)
  })

  it("returns the same order for a repeated orderNumber, and duplicate_order for another amount", async () => {
    const first = await create({ orderNumber: "A", amount: 289.68, currency: 643 })
    expect(first.data.status).toBe("success")
    expect(first.data.data.formUrl).toMatch(new RegExp(`^${sandbox.url}/romb/pay/order/`))
    const again = await create({ orderNumber: "A", amount: 289.68, currency: 643 })
    expect(again.data).toEqual(first.data)
    const other = await create({ orderNumber: "A", amount: 1, currency: 643 })
    expect(other.data.error.code).toBe("duplicate_order")
  })

  it("pays through the hosted page and sends a signed PAID webhook keeping the amount as written", async () => {
    const { data } = await create({ orderNumber: "B", amount: 100.5, email: "a@b.co" })
    const page = await axios.get(data.data.formUrl)
    expect(page.data).toContain(">Pay</button>")
    expect(page.data).toContain(">Cancel</button>")
    const paid = await axios.post(`${data.data.formUrl}/pay`, null, { headers: { Accept: "application/json" } })
    expect(paid.data).toEqual({ status: "PAID", webhook: { delivered: true, httpStatus: 200 } })
    expect(received).toHaveLength(1)
    const body = JSON.parse(received[0].raw)
    expect(body).toEqual(
      expect.objectContaining({ order_id: "B", amount: 100.5, status: "PAID", data: { customer_email: "a@b.co", description: null } })
    )
    expect(received[0].raw).toContain('"amount":100.5,')
    expect(verifyRombSignature(received[0].raw, received[0].contentType, "sandbox-romb-private")).toBe(true)
    const again = await axios.post(`${data.data.formUrl}/pay`, null, {
      headers: { Accept: "application/json" },
      validateStatus: () => true,
    })
    expect(again.status).toBe(409)
  })

  it("cancels a pending order once, with a CANCELED webhook", async () => {
    await create({ orderNumber: "C", amount: 10 })
    const cancel = () => axios.post(`${sandbox.url}/romb/pay/order/cancel/C`, null, { validateStatus: () => true })
    expect((await cancel()).data).toEqual({ status: "success", message: "Payment cancelled successfully" })
    await new Promise((r) => setTimeout(r, 100))
    expect(JSON.parse(received[0].raw).status).toBe("CANCELED")
    expect((await cancel()).data).toEqual({ status: "error", message: "Order not found or already processed" })
  })

  it("injects a create error, an HTTP failure or a hang on demand", async () => {
    await axios.post(`${sandbox.url}/__control/romb/next-create`, { error: { code: "x", message: "boom" } })
    expect((await create({ orderNumber: "D", amount: 1 })).data.error).toEqual({ code: "x", message: "boom" })
    await axios.post(`${sandbox.url}/__control/romb/next-create`, { httpStatus: 503 })
    expect((await create({ orderNumber: "D", amount: 1 })).status).toBe(503)
    await axios.post(`${sandbox.url}/__control/romb/next-create`, { hangMs: 1000 })
    await expect(
      axios.post(`${sandbox.url}/romb/api/pay/order/create`, { orderNumber: "E", amount: 1 }, { headers: AUTH, timeout: 200 })
    ).rejects.toThrow(/timeout/)
  })

  it("re-sends webhooks on demand, in copies, tampered or wrongly signed, and logs requests without credentials", async () => {
    await create({ orderNumber: "F", amount: 10 })
    const { data } = await axios.post(`${sandbox.url}/__control/romb/orders/F/webhooks`, {
      status: "PAID",
      copies: 3,
    })
    expect(data.deliveries).toHaveLength(3)
    expect(received).toHaveLength(3)
    await axios.post(`${sandbox.url}/__control/romb/orders/F/webhooks`, { status: "PAID", tamper: true })
    await axios.post(`${sandbox.url}/__control/romb/orders/F/webhooks`, { status: "PAID", wrongSign: true })
    expect(received.slice(3).map((r) => verifyRombSignature(r.raw, r.contentType, "sandbox-romb-private"))).toEqual([
      false,
      false,
    ])
    const log = (await axios.get(`${sandbox.url}/__control/requests`)).data
    expect(log[0]).toEqual(
      expect.objectContaining({ method: "POST", path: "/romb/api/pay/order/create" })
    )
    expect(log[0].headers["x-private-key"]).toBe("***")
  })
})
