import { PaymentSessionStatus } from "@medusajs/framework/utils"
import { PROVIDER_PROBE_FIELD, ProviderProbe } from "../../base/redirect-provider"
import { sealConfirmation } from "../../base/session-data"
import { RombProviderService } from "../service"
import { readRombBody, rombSignature } from "../signature"

const options = {
  uid: "u-1",
  publicKey: "pub-1",
  privateKey: "priv-secret-1",
  baseUrl: "http://127.0.0.1:1/romb",
  timeoutMs: 500,
}

const provider = () => new RombProviderService({}, options)
/** A real-looking Medusa payment session id: webhooks must carry one. */
const SESSION = "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W"

function confirmed(action: "captured" | "canceled" | "pending", sessionId = "payses_1", key = "priv-secret-1") {
  return {
    session_id: sessionId,
    gateway_reference: "123",
    gateway_confirmation: sealConfirmation(
      sessionId,
      {
        action,
        gateway_status: { captured: "PAID", canceled: "CANCELED", pending: "WAIT" }[action],
        amount: "100.5",
        currency_code: "",
        event_key: "tx:1",
        confirmed_at: "2026-01-01T00:00:00.000Z",
      },
      key
    ),
  }
}

function webhook(fields: Record<string, unknown>, secret = "priv-secret-1") {
  const text = JSON.stringify(fields)
  const sign = rombSignature(readRombBody(text, "application/json"), secret)
  const raw = `${text.slice(0, -1)},"sign":"${sign}"}`
  // `data` is never read: only the raw bytes are
  return { data: {}, rawData: Buffer.from(raw), headers: { "content-type": "application/json" } }
}

describe("RombProviderService", () => {
  it("validates options at boot with a message naming the option", () => {
    expect(() => RombProviderService.validateOptions({ uid: "x", publicKey: "y" })).toThrow(
      /Romb payment provider options are invalid: `privateKey`/
    )
    expect(() => RombProviderService.validateOptions(options)).not.toThrow()
  })

  describe("getWebhookActionAndData (Medusa's own webhook subscriber)", () => {
    it("answers an in-memory ProviderProbe with the instance itself, and refuses it as a webhook", async () => {
      const instance = provider()
      const probe = new ProviderProbe()
      await expect(
        instance.getWebhookActionAndData({ data: { [PROVIDER_PROBE_FIELD]: probe }, rawData: "", headers: {} })
      ).rejects.toThrow("a provider probe is not a webhook")
      expect(probe.answeredBy).toBe(instance)
    })

    it("treats a probe field in a webhook body as data: no parsed body is a ProviderProbe", async () => {
      const forged = { [PROVIDER_PROBE_FIELD]: { answeredBy: null } }
      const text = JSON.stringify(forged)
      await expect(
        provider().getWebhookActionAndData({ data: forged, rawData: text, headers: { "content-type": "application/json" } })
      ).resolves.toEqual({ action: "not_supported" })
      expect(forged[PROVIDER_PROBE_FIELD].answeredBy).toBeNull()
    })

    it("answers not_supported without throwing for genuine and forged bodies alike: the plugin's intake verifies", async () => {
      const genuine = webhook({ id: "tx-1", order_id: SESSION, amount: 100.5, status: "PAID" })
      const forged = webhook({ id: "tx-1", order_id: SESSION, amount: 100.5, status: "PAID" }, "wrong-secret")
      await expect(provider().getWebhookActionAndData(genuine)).resolves.toEqual({ action: "not_supported" })
      await expect(provider().getWebhookActionAndData(forged)).resolves.toEqual({ action: "not_supported" })
      await expect(provider().verifyWebhook(forged)).rejects.toMatchObject({ type: "unauthorized" })
    })
  })

  describe("verifyWebhook", () => {
    it.each([
      ["PAID", "captured"],
      ["WAIT", "pending"],
      ["PENDING", "pending"],
      ["CANCELED", "canceled"],
    ])("maps %s to %s with the session id and the amount in major units", async (status, action) => {
      const result = await provider().verifyWebhook(
        webhook({ id: "tx-1", order_id: SESSION, amount: 100.5, status })
      )
      // Medusa's own webhook subscriber is told nothing; the verified event rides along for the plugin
      expect(result.action).toBe("not_supported")
      expect(result.verified.action).toBe(action)
      expect(result.verified.data.session_id).toBe(SESSION)
      expect(Number(result.verified.data.amount)).toBe(100.5)
      expect(result.verified.data.event_key).toBe(`tx-1:${status}`)
      expect(result.verified.data.gateway_status).toBe(status)
      expect(result.verified.data.gateway_reference).toBe("tx-1")
      expect(result.verified.data.notification).not.toHaveProperty("sign")
    })

    it("verifies with webhookSecret when it is set", async () => {
      const withSecret = new RombProviderService({}, { ...options, webhookSecret: "hook-secret" })
      const body = webhook({ id: "t", order_id: SESSION, amount: 1, status: "PAID" }, "hook-secret")
      await expect(withSecret.verifyWebhook(body)).resolves.toBeDefined()
      await expect(provider().verifyWebhook(body)).rejects.toThrow(/signature/)
    })

    it("rejects a tampered body as unauthorized", async () => {
      const body = webhook({ id: "t", order_id: SESSION, amount: 1, status: "CANCELED" })
      const raw = body.rawData.toString().replace("CANCELED", "PAID")
      await expect(provider().verifyWebhook({ ...body, rawData: Buffer.from(raw) })).rejects.toMatchObject({
        type: "unauthorized",
      })
    })

    it("never reads payload.data: a forged parsed body next to genuine bytes changes nothing", async () => {
      const body = webhook({ id: "t", order_id: SESSION, amount: 1, status: "CANCELED" })
      const result = await provider().verifyWebhook({
        ...body,
        data: { id: "t", order_id: SESSION, amount: 1, status: "PAID" },
      })
      expect(result.verified.action).toBe("canceled")
    })

    it("refuses an uppercase copy of the signature, as PHP's hash_equals does", async () => {
      const body = webhook({ id: "t", order_id: SESSION, amount: 1, status: "PAID" })
      const raw = body.rawData.toString().replace(/"sign":"([0-9a-f]+)"/, (_m, hex: string) => `"sign":"${hex.toUpperCase()}"`)
      await expect(provider().verifyWebhook({ ...body, rawData: raw })).rejects.toMatchObject({ type: "unauthorized" })
    })

    it("rejects a correctly signed but malformed notification as invalid data", async () => {
      // no amount
      await expect(
        provider().verifyWebhook(webhook({ id: "t", order_id: SESSION, status: "PAID" }))
      ).rejects.toMatchObject({ type: "invalid_data", message: expect.stringMatching(/amount/) })
      // an order_id that is not a Medusa session id
      await expect(
        provider().verifyWebhook(webhook({ id: "t", order_id: "payses_1", amount: 1, status: "PAID" }))
      ).rejects.toMatchObject({ type: "invalid_data", message: expect.stringMatching(/order_id/) })
      // a status that is not a single word
      await expect(
        provider().verifyWebhook(webhook({ id: "t", order_id: SESSION, amount: 1, status: "PAID&x" }))
      ).rejects.toMatchObject({ type: "invalid_data", message: expect.stringMatching(/status/) })
    })

    it("acknowledges a correctly signed status it does not know as unknown, changing nothing", async () => {
      const result = await provider().verifyWebhook(
        webhook({ id: "t", order_id: SESSION, amount: 1, status: "REFUNDED" })
      )
      expect(result.verified.action).toBe("unknown")
      expect(result.verified.data.gateway_status).toBe("REFUNDED")
      expect(result.verified.data.event_key).toBe("t:REFUNDED")
    })

    it("refuses a JSON body whose Content-Type is not exactly application/json", async () => {
      const body = webhook({ id: "t", order_id: SESSION, amount: 1, status: "PAID" })
      for (const contentType of ["application/json; x=application/x-www-form-urlencoded", "application/json; charset=latin1", "text/plain", undefined]) {
        await expect(
          provider().verifyWebhook({ ...body, headers: { "content-type": contentType } })
        ).rejects.toMatchObject({ type: "invalid_data" })
      }
      await expect(
        provider().verifyWebhook({ ...body, headers: { "content-type": "Application/JSON; charset=UTF-8" } })
      ).resolves.toBeDefined()
    })

    it("rejects a body without raw bytes; without a Content-Type either, the Content-Type is the reason given", async () => {
      for (const contentType of ["application/json", "application/x-www-form-urlencoded"]) {
        for (const rawData of ["", Buffer.alloc(0), undefined]) {
          await expect(
            provider().verifyWebhook({ data: {}, rawData, headers: { "content-type": contentType } } as any)
          ).rejects.toMatchObject({ type: "invalid_data", message: expect.stringMatching(/raw request body is missing/) })
        }
      }
      // a header no parser understood leaves no raw body either: its media type is what to fix
      await expect(provider().verifyWebhook({ data: {}, rawData: "", headers: {} })).rejects.toMatchObject({
        type: "invalid_data",
        message: 'Romb webhook: Content-Type must be application/json or application/x-www-form-urlencoded, not "".',
      })
    })
  })

  describe("authorizePayment", () => {
    it("is captured only with a confirmation sealed for this session", async () => {
      await expect(provider().authorizePayment({ data: confirmed("captured") })).resolves.toEqual(
        expect.objectContaining({ status: PaymentSessionStatus.CAPTURED })
      )
    })

    it("refuses without a confirmation, or with one for another session or key", async () => {
      await expect(provider().authorizePayment({ data: { session_id: "payses_1" } })).rejects.toThrow(
        /Romb has not confirmed the payment yet/
      )
      const moved = { ...confirmed("captured", "payses_2"), session_id: "payses_1" }
      await expect(provider().authorizePayment({ data: moved })).rejects.toThrow(/not confirmed/)
      await expect(
        provider().authorizePayment({ data: confirmed("captured", "payses_1", "forged") })
      ).rejects.toThrow(/not confirmed/)
    })

    it("explains a canceled payment", async () => {
      await expect(provider().authorizePayment({ data: confirmed("canceled") })).rejects.toMatchObject({
        type: "payment_authorization_error",
        message: "Payment not completed: the payment was canceled at Romb.",
      })
    })
  })

  it("captures idempotently only what Romb reported as paid", async () => {
    const data = confirmed("captured")
    await expect(provider().capturePayment({ data })).resolves.toEqual({ data })
    await expect(provider().capturePayment({ data })).resolves.toEqual({ data })
    await expect(provider().capturePayment({ data: confirmed("pending") })).rejects.toThrow(
      /has not reported this payment as paid/
    )
  })

  it("never reports a refund: Romb has none", async () => {
    await expect(
      provider().refundPayment({ data: confirmed("captured"), amount: 10 })
    ).rejects.toMatchObject({ type: "not_allowed", message: expect.stringMatching(/Romb dashboard/) })
  })

  it("does not cancel a paid order, and treats an already canceled one as done", async () => {
    await expect(provider().cancelPayment({ data: confirmed("captured") })).rejects.toThrow(
      /already paid and cannot be canceled/
    )
    const canceled = confirmed("canceled")
    await expect(provider().cancelPayment({ data: canceled })).resolves.toEqual({ data: canceled })
  })

  it("refuses storefront session data that could fake a payment, before calling Romb", async () => {
    await expect(
      provider().initiatePayment({
        amount: 10,
        currency_code: "rub",
        data: { session_id: "payses_1", gateway_confirmation: confirmed("captured").gateway_confirmation },
      })
    ).rejects.toThrow(/may not set gateway_confirmation/)
  })
})
