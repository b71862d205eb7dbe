import type { z } from "zod"
import {
  ExchangerSessionData,
  gatewayOf,
  paymentPageUrl,
  paymentSessionData,
  RombSessionData,
  RubitPaySessionData,
  StoreCartPaymentStatusResponse,
  StoreClient,
  waitForPayment,
} from ".."
import { rombSessionInputSchema } from "../../providers/romb/schemas"
import { rubitPaySessionInputSchema } from "../../providers/rubitpay/schemas"
import { exchangerSessionInputSchema } from "../../providers/exchanger/schemas"

/** Compile-time (`npm run typecheck`): the kit's session types are exactly what the providers accept. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const typesMatch: [
  Same<RombSessionData, z.input<typeof rombSessionInputSchema>>,
  Same<RubitPaySessionData, z.input<typeof rubitPaySessionInputSchema>>,
  Same<ExchangerSessionData, z.input<typeof exchangerSessionInputSchema>>,
] = [true, true, true]

const details = {
  cartId: "cart_01ABC",
  email: "buyer@example.com",
  phone: "+79991234567",
  returnUrl: "https://shop.example/checkout/return?cart=cart_01ABC",
  payway: "sbp",
  fromValues: { card: "4111111111111111" },
}

describe("storefront kit", () => {
  it("keeps its session types in step with the providers' schemas", () => {
    expect(typesMatch).toEqual([true, true, true])
  })

  it("tells the plugin's gateway from the provider id", () => {
    expect(gatewayOf("pp_romb_romb")).toBe("romb")
    expect(gatewayOf("pp_rubitpay_hold")).toBe("rubitpay")
    expect(gatewayOf("pp_exchanger_obmin")).toBe("exchanger")
    expect(gatewayOf("pp_system_default")).toBeUndefined()
    expect(gatewayOf("pp_stripe_stripe")).toBeUndefined()
    expect(gatewayOf("romb")).toBeUndefined()
  })

  it("builds session data each provider accepts, and only that", () => {
    const romb = paymentSessionData("pp_romb_romb", details)
    expect(romb).toEqual({ email: details.email, phone: details.phone })
    expect(rombSessionInputSchema.strict().safeParse(romb).success).toBe(true)

    const rubitpay = paymentSessionData("pp_rubitpay_hold", details)
    expect(rubitpay).toEqual({ payway: "sbp", email: details.email, return_url: details.returnUrl, cart_id: details.cartId })
    expect(rubitPaySessionInputSchema.strict().safeParse(rubitpay).success).toBe(true)

    const exchanger = paymentSessionData("pp_exchanger_pocketbank", details)
    expect(exchanger).toEqual({ from_values: details.fromValues, return_url: details.returnUrl, cart_id: details.cartId })
    expect(exchangerSessionInputSchema.strict().safeParse(exchanger).success).toBe(true)

    expect(() => paymentSessionData("pp_system_default", details)).toThrow(/not a payment provider of medusa-plugin-redirect-payments/)
  })

  it("finds the payment page of the latest session with the provider", () => {
    const collection = {
      payment_sessions: [
        { provider_id: "pp_romb_romb", created_at: "2026-12-01T10:00:00Z", data: { redirect_url: "https://romb.mx/pay/old" } },
        { provider_id: "pp_romb_romb", created_at: "2026-12-01T10:05:00Z", data: { redirect_url: "https://romb.mx/pay/new" } },
        { provider_id: "pp_rubitpay_rubitpay", created_at: "2026-12-01T10:06:00Z", data: {} },
      ],
    }
    expect(paymentPageUrl(collection, "pp_romb_romb")).toBe("https://romb.mx/pay/new")
    expect(() => paymentPageUrl(collection, "pp_rubitpay_rubitpay")).toThrow(/has not opened a payment page/)
    expect(() => paymentPageUrl(collection, "pp_exchanger_obmin")).toThrow(/no payment session with pp_exchanger_obmin/)
    const scripted = { payment_sessions: [{ provider_id: "pp_romb_romb", data: { redirect_url: "javascript:alert(1)" } }] }
    expect(() => paymentPageUrl(scripted, "pp_romb_romb")).toThrow()
  })
})

describe("waitForPayment", () => {
  /** A store client answering the given statuses in turn (an Error = a failed request). */
  function client(answers: Array<Partial<StoreCartPaymentStatusResponse> | Error>) {
    const asked: string[] = []
    const sdk: StoreClient = {
      client: {
        async fetch<T>(input: string): Promise<T> {
          asked.push(input)
          const answer = answers[Math.min(asked.length - 1, answers.length - 1)]
          if (answer instanceof Error) throw answer
          return { message: "", ...answer } as T
        },
      },
    }
    return { sdk, asked }
  }
  const fast = { initialDelayMs: 1, maxDelayMs: 2 }

  it("polls the cart's status until the order exists", async () => {
    const { sdk, asked } = client([{ status: "pending" }, new Error("network down"), { status: "paid", order_id: "order_1", display_id: 7, message: "ok" }])
    const updates: string[] = []
    const outcome = await waitForPayment(sdk, "cart_1", { ...fast, onUpdate: (s) => updates.push(s.status) })
    expect(outcome).toEqual({ status: "paid", orderId: "order_1", displayId: 7, message: "ok" })
    expect(asked).toEqual(Array(3).fill("/store/carts/cart_1/payment-status"))
    expect(updates).toEqual(["pending", "paid"])
  })

  it("stops at a decline or a cancellation with the gateway's message", async () => {
    const declined = await waitForPayment(client([{ status: "failed", message: "RubitPay declined the payment.", name: "RubitPay" }]).sdk, "c", fast)
    expect(declined).toEqual({ status: "failed", message: "RubitPay declined the payment.", name: "RubitPay" })
    const canceled = await waitForPayment(client([{ status: "pending" }, { status: "canceled", message: "canceled" }]).sdk, "c", fast)
    expect(canceled.status).toBe("canceled")
  })

  it("stops when the money arrived but the order could not be placed, with the shop's message", async () => {
    const message = "Romb confirmed your payment, but the shop could not place the order. The shop has been told and will contact you about it; you do not need to pay again."
    const { sdk } = client([{ status: "pending", confirmed: true }, { status: "paid_no_order", message, name: "Romb", confirmed: true }])
    expect(await waitForPayment(sdk, "c", fast)).toEqual({ status: "paid_no_order", message, name: "Romb" })
  })

  it("never times out with \"not confirmed\" once the gateway confirmed the payment", async () => {
    const confirmed = await waitForPayment(client([{ status: "pending", confirmed: true }]).sdk, "c", { timeoutMs: 50, initialDelayMs: 10, maxDelayMs: 10 })
    expect(confirmed.status).toBe("timeout")
    expect(confirmed.message).toMatch(/^The payment provider confirmed your payment/)
    const waiting = await waitForPayment(client([{ status: "pending" }]).sdk, "c", { timeoutMs: 50, initialDelayMs: 10, maxDelayMs: 10 })
    expect(waiting.message).toMatch(/^The payment has not been confirmed yet/)
  })

  it("times out while the payment stays pending, and backs off meanwhile", async () => {
    const { sdk, asked } = client([{ status: "pending" }])
    const started = Date.now()
    const outcome = await waitForPayment(sdk, "c", { timeoutMs: 300, initialDelayMs: 20, maxDelayMs: 60 })
    expect(outcome.status).toBe("timeout")
    expect(Date.now() - started).toBeLessThan(1000)
    // 20, 30, 45, 60, 60 … ms: far fewer polls than a fixed 20 ms interval would make
    expect(asked.length).toBeGreaterThan(3)
    expect(asked.length).toBeLessThan(300 / 20)
  })

  it("can be aborted", async () => {
    const controller = new AbortController()
    const waiting = waitForPayment(client([{ status: "pending" }]).sdk, "c", { initialDelayMs: 50, signal: controller.signal })
    setTimeout(() => controller.abort(new Error("left the page")), 10)
    await expect(waiting).rejects.toThrow("left the page")
  })
})
