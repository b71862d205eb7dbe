import axios from "axios"
import { Sandbox, startSandbox } from "../../../../sandbox"
import { signRubitPayRequest } from "../signature"
import { RubitPayProviderService } from "../service"

/** A real-looking Medusa payment session id (webhooks carry one as shop_order_id). */
const sessionId = (n: number) => `payses_01JQ8Z3K4M5N6P7Q8R9S0T${String(n).padStart(4, "0")}`
const JSON_HEADERS = { "content-type": "application/json" }

/** The RubitPay provider against the RubitPay emulator over real HTTP. */
describe("RubitPayProviderService", () => {
  let sandbox: Sandbox
  const control = (path: string, body?: unknown) => axios.post(`${sandbox.url}/__control/rubitpay${path}`, body)
  const invoice = async (id: string) => (await axios.get(`${sandbox.url}/__control/rubitpay/invoices/${id}`)).data
  const provider = (overrides: Record<string, unknown> = {}) =>
    new RubitPayProviderService(
      {},
      {
        shopId: "sandbox-rubitpay-shop",
        secretKey: "sandbox-rubitpay-secret",
        baseUrl: `${sandbox.url}/rubitpay`,
        timeoutMs: 1000,
        payways: ["bank_card", "sbp", "p2p"],
        allowedReturnHosts: ["shop.example"],
        ...overrides,
      }
    )
  const initiate = (id: string, data: Record<string, unknown> = {}, p = provider(), currency = "rub") =>
    p.initiatePayment({ amount: 1790.5, currency_code: currency, data: { session_id: id, ...data } })

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 })
  })
  afterAll(() => sandbox.close())
  beforeEach(async () => {
    await axios.post(`${sandbox.url}/__control/reset`)
    // these tests cover the engine's extras (invoice_id in create/hold answers, invoice/check), which the
    // sandbox keeps behind switches (it speaks the doc by default); tests that need one off turn it off
    await control("/features", { check: true, invoiceId: true })
  })

  it("validates options: sandbox flag, capture flag, payways", () => {
    expect(() => RubitPayProviderService.validateOptions({ shopId: "1" })).toThrow(
      /RubitPay payment provider options are invalid: `secretKey`/
    )
    expect(() => RubitPayProviderService.validateOptions({ shopId: "1", secretKey: "k", capture: "yes" })).toThrow(/`capture`/)
  })

  it("single-step: invoice/create with the session id and a decimal amount; captured once paid", async () => {
    const { data } = await initiate("payses_1", { payway: "sbp", return_url: "https://shop.example/checkout/return" })
    expect(data).toEqual(
      expect.objectContaining({ gateway: "rubitpay", gateway_amount: "1790.50", gateway_flow: "single_step", redirect_url: expect.stringContaining("/rubitpay/pay/") })
    )
    const stored = await invoice("payses_1")
    expect(stored).toEqual(expect.objectContaining({ method: "create", amount: "1790.50", currency: "RUB", payway: "sbp" }))
    expect(stored.request.success_url).toBe("https://shop.example/checkout/return")
    await expect(provider().authorizePayment({ data })).rejects.toThrow(/has not confirmed the payment yet/)
    await axios.post(`${data!.redirect_url}/pay`, null, { headers: { Accept: "application/json" } })
    await expect(provider().authorizePayment({ data })).resolves.toEqual(
      expect.objectContaining({ status: "captured" })
    )
  })

  it("fills {payment_collection_id} and {order_id} of a payment link into successUrl/failUrl; an allowed return_url wins", async () => {
    const p = provider({
      successUrl: "https://shop.example/payment-collection/{payment_collection_id}?order_id={order_id}&s={session_id}",
      failUrl: "https://shop.example/checkout/{cart_id}",
    })
    await initiate("payses_link", { payment_collection_id: "pay_col_01", order_id: "order_01/x" }, p)
    const { request } = await invoice("payses_link")
    expect(request.success_url).toBe("https://shop.example/payment-collection/pay_col_01?order_id=order_01%2Fx&s=payses_link")
    // a template value missing for this payment is left empty, never the placeholder
    expect(request.fail_url).toBe("https://shop.example/checkout/")
    await expect(initiate("payses_link2", { order_id: "" }, p)).rejects.toThrow(/order_id/)
  })

  it("two-step: hold -> authorized; capture charges; a second capture is idempotent", async () => {
    const p = provider({ capture: false })
    const { data } = await initiate("payses_2", {}, p)
    expect((await invoice("payses_2")).method).toBe("hold")
    await axios.post(`${data!.redirect_url}/hold`, null, { headers: { Accept: "application/json" } })
    const authorized = await p.authorizePayment({ data })
    expect(authorized.status).toBe("authorized")
    const captured = await p.capturePayment({ data: authorized.data })
    expect(captured.data?.gateway_status).toBe("success")
    expect((await invoice("payses_2")).status).toBe("success")
    await expect(p.capturePayment({ data: authorized.data })).resolves.toBeDefined()
  })

  it("two-step: cancel releases the hold; canceling a charged invoice asks for a refund", async () => {
    const p = provider({ capture: false })
    const { data } = await initiate("payses_3", {}, p)
    await axios.post(`${data!.redirect_url}/hold`, null, { headers: { Accept: "application/json" } })
    await p.cancelPayment({ data })
    expect((await invoice("payses_3")).status).toBe("fail")
    await expect(p.cancelPayment({ data })).resolves.toBeDefined()

    const second = await initiate("payses_4", {}, p)
    await axios.post(`${second.data!.redirect_url}/hold`, null, { headers: { Accept: "application/json" } })
    await p.capturePayment({ data: second.data })
    await expect(p.cancelPayment({ data: second.data })).rejects.toThrow(/already charged .*refund it instead/)
  })

  it("refunds partially and fully, idempotently by Medusa's refund id", async () => {
    const { data } = await initiate("payses_5")
    await axios.post(`${data!.redirect_url}/pay`, null, { headers: { Accept: "application/json" } })
    await provider().refundPayment({ data, amount: { value: "500", precision: 20 } as any, context: { idempotency_key: "ref_1" } })
    await provider().refundPayment({ data, amount: { value: "500", precision: 20 } as any, context: { idempotency_key: "ref_1" } })
    expect((await invoice("payses_5")).refunds).toEqual([{ shop_refund_id: "ref_1", amount: "500.00" }])
    await provider().refundPayment({ data, amount: 1290.5, context: { idempotency_key: "ref_2" } })
    expect((await invoice("payses_5")).status).toBe("refund")
  })

  it("says clearly when refunds are not available, and refunds nothing", async () => {
    const { data } = await initiate("payses_6")
    await axios.post(`${data!.redirect_url}/pay`, null, { headers: { Accept: "application/json" } })
    await control("/features", { refunds: false })
    await expect(
      provider().refundPayment({ data, amount: 100, context: { idempotency_key: "ref_x" } })
    ).rejects.toMatchObject({ type: "not_allowed", message: expect.stringMatching(/refunds are not available.*Nothing was refunded/) })
  })

  it.each([
    ["invalid_sign", /check the provider's secretKey option \(invalid_sign\)/],
    ["invalid_shop", /check the provider's shopId option \(invalid_shop\)/],
    ["duplicate_order", /start a new payment session \(duplicate_order\)/],
    ["unsupported_payway", /choose another one \(unsupported_payway\)/],
    ["insufficient_funds", /try another card or payment method \(insufficient_funds\)/],
  ])("fatal %s becomes a clear error", async (code, message) => {
    await control("/next-error", { error_code: code })
    await expect(initiate(`payses_${code}`)).rejects.toThrow(message)
  })

  it("a real wrong secret is reported as invalid_sign", async () => {
    await expect(initiate("payses_7", {}, provider({ secretKey: "wrong-secret" }))).rejects.toThrow(/\(invalid_sign\)/)
  })

  it("processing_error leaves the session pending for the webhook or status call", async () => {
    await control("/next-error", { error_code: "processing_error" })
    const result = await initiate("payses_8")
    expect(result.status).toBe("pending")
    expect(result.data).toEqual(expect.objectContaining({ gateway_status: "processing_error", redirect_url: null }))
  })

  it("refuses currencies, payways and return hosts it must not use", async () => {
    await expect(initiate("payses_9", {}, provider(), "kzt")).rejects.toThrow(/RubitPay accepts RUB, CNY, USD, EUR; this cart is in KZT/)
    await expect(initiate("payses_9", { payway: "qiwi" })).rejects.toThrow(/payway "qiwi" is not offered; choose one of bank_card, sbp, p2p/)
    await expect(initiate("payses_9", { return_url: "https://evil.example/x" })).rejects.toThrow(/return_url host evil.example is not allowed/)
  })

  it("lists the add-on fields invoice/try asks for", async () => {
    await expect(initiate("payses_10", { payway: "p2p" })).rejects.toThrow(
      /RubitPay needs these fields for payway "p2p": payer_phone/
    )
    await expect(initiate("payses_10", { payway: "p2p", add_ons: { payer_phone: "+79991234567" } })).resolves.toBeDefined()
  })

  it("falls back to the recorded webhook when the shop has no status call", async () => {
    const { data } = await initiate(sessionId(11))
    await control("/features", { check: false })
    await expect(provider().authorizePayment({ data })).rejects.toThrow(/not confirmed/)
    const body = JSON.stringify(
      signRubitPayRequest(
        { shop_id: "sandbox-rubitpay-shop", shop_order_id: sessionId(11), invoice_id: data!.gateway_reference, status: "success", amount: "1790.50", currency: "RUB", created_at: "2026-01-15T10:30:45Z" },
        "sandbox-rubitpay-secret"
      )
    )
    const result = await provider().verifyWebhook({ data: {}, rawData: Buffer.from(body), headers: JSON_HEADERS })
    expect(result.action).toBe("not_supported")
    expect(result.verified.action).toBe("captured")
    const confirmed = { ...data, gateway_confirmation: result.verified.data.confirmation }
    await expect(provider().authorizePayment({ data: confirmed })).resolves.toEqual(
      expect.objectContaining({ status: "captured" })
    )
  })

  it("reconciliation: invoice/check names the same event as the webhook, whether it answers a word or the engine's number", async () => {
    const { data } = await initiate(sessionId(12))
    const session = { id: sessionId(12), data: data!, created_at: new Date() }
    await expect(provider().reconcileSession(session)).resolves.toBeUndefined()
    await axios.post(`${data!.redirect_url}/pay`, null, { headers: { Accept: "application/json" } })
    const found = await provider().reconcileSession(session)
    expect(found!.action).toBe("captured")
    expect(found!.data).toEqual(
      expect.objectContaining({ session_id: sessionId(12), event_key: `${data!.gateway_reference}:captured`, gateway_status: "success", currency_code: "rub" })
    )
    const body = JSON.stringify(
      signRubitPayRequest(
        { shop_id: "sandbox-rubitpay-shop", shop_order_id: sessionId(12), invoice_id: data!.gateway_reference, status: "success", amount: "1790.50", currency: "RUB", created_at: "2026-01-15T10:30:45+03:00" },
        "sandbox-rubitpay-secret"
      )
    )
    const webhook = await provider().verifyWebhook({ data: {}, rawData: body, headers: JSON_HEADERS })
    expect(webhook.verified.data.event_key).toBe(found!.data!.event_key)
    const p = provider()
    jest.spyOn((p as any).client, "check").mockResolvedValueOnce({ found: true, status: "4", invoiceId: data!.gateway_reference })
    expect((await p.reconcileSession(session))!.data!.event_key).toBe(found!.data!.event_key)
    // nothing new once the session knows the status
    await expect(provider().reconcileSession({ ...session, data: { ...data, gateway_status: "success" } })).resolves.toBeUndefined()
  })

  describe("webhooks", () => {
    const fields = {
      shop_id: "sandbox-rubitpay-shop",
      shop_order_id: sessionId(20),
      invoice_id: "1001",
      status: "success",
      amount: "1.00",
      currency: "RUB",
      created_at: "2026-01-15T10:30:45.123Z",
    }
    const hook = (body: Record<string, unknown>, secret = "sandbox-rubitpay-secret", headers: Record<string, unknown> = JSON_HEADERS) => {
      const raw = JSON.stringify(signRubitPayRequest(body, secret))
      return provider().verifyWebhook({ data: {}, rawData: raw, headers })
    }

    it("rejects a webhook with a wrong signature or for another shop", async () => {
      await expect(hook(fields, "nope")).rejects.toMatchObject({ type: "unauthorized" })
      await expect(hook({ ...fields, shop_id: "other" })).rejects.toThrow(/shop other is not this provider's shop/)
      await expect(hook(fields)).resolves.toMatchObject({ verified: { action: "captured" } })
    })

    it("refuses an uppercase copy of the signature (Python's hexdigest is lowercase)", async () => {
      const signed = signRubitPayRequest(fields, "sandbox-rubitpay-secret")
      const raw = JSON.stringify({ ...signed, sign: signed.sign.toUpperCase() })
      await expect(
        provider().verifyWebhook({ data: {}, rawData: raw, headers: JSON_HEADERS })
      ).rejects.toMatchObject({ type: "unauthorized" })
    })

    it("refuses a form-encoded webhook: RubitPay sends JSON, and only JSON is read", async () => {
      const signed = signRubitPayRequest(fields, "sandbox-rubitpay-secret")
      const form = new URLSearchParams(signed as Record<string, string>).toString()
      await expect(
        provider().verifyWebhook({ data: {}, rawData: form, headers: { "content-type": "application/x-www-form-urlencoded" } })
      ).rejects.toMatchObject({ type: "invalid_data" })
      // nor a JSON body without a JSON Content-Type
      await expect(hook(fields, undefined, {})).rejects.toMatchObject({ type: "invalid_data" })
    })

    it("holds every field to the doc's format: exactly its 8 fields, a known currency, an ISO date", async () => {
      for (const body of [
        { ...fields, extra: "x" },
        { ...fields, currency: "KZT" },
        { ...fields, created_at: "yesterday" },
        { ...fields, amount: "1.00:RUB" },
        { ...fields, shop_order_id: "payses_1" },
        (({ created_at: _c, ...rest }) => rest)(fields),
      ]) {
        await expect(hook(body)).rejects.toMatchObject({ type: "invalid_data" })
      }
    })

    it("acknowledges a correctly signed status it does not know as unknown, keyed by its word", async () => {
      const result = await hook({ ...fields, status: "chargeback" })
      expect(result.verified.action).toBe("unknown")
      expect(result.verified.data).toEqual(
        expect.objectContaining({ gateway_status: "chargeback", event_key: "1001:unknown:chargeback", session_id: sessionId(20) })
      )
    })
  })
})
