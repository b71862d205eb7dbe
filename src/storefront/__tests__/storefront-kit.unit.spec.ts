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
  StorePaymentCollectionPaymentStatusResponse,
  forgetPayment,
  PAYMENT_IN_PROGRESS_KEY,
  paymentInProgress,
  rememberPayment,
  startPaymentLinkSession,
  waitForPayment,
  waitForPaymentCollection,
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

/** A Storage kept in a Map (the kit's default is the browser's localStorage). */
function memoryStorage() {
  const items = new Map<string, string>()
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  }
}

describe("payment links", () => {
  const fast = { initialDelayMs: 1, maxDelayMs: 2 }

  function collectionClient(answers: Array<Partial<StorePaymentCollectionPaymentStatusResponse>>) {
    const asked: string[] = []
    const sdk: StoreClient = {
      client: {
        async fetch<T>(input: string): Promise<T> {
          asked.push(input)
          return { message: "", ...answers[Math.min(asked.length - 1, answers.length - 1)] } as T
        },
      },
    }
    return { sdk, asked }
  }

  it("waits for the collection's payment on its own status route, paid without an order id", async () => {
    const { sdk, asked } = collectionClient([{ status: "pending" }, { status: "paid", display_id: 12, message: "Romb confirmed the payment for order #12." }])
    const amounts: number[] = []
    const outcome = await waitForPaymentCollection(sdk, "pay_col_1", { ...fast, onUpdate: (s) => amounts.push(s.amount) })
    expect(outcome).toEqual({ status: "paid", displayId: 12, message: "Romb confirmed the payment for order #12." })
    expect(asked).toEqual(Array(2).fill("/store/payment-collections/pay_col_1/payment-status"))
    expect(amounts).toHaveLength(2)
  })

  it("stops at a decline, or a collection the shop canceled", async () => {
    expect((await waitForPaymentCollection(collectionClient([{ status: "failed", message: "declined" }]).sdk, "p", fast)).status).toBe("failed")
    expect((await waitForPaymentCollection(collectionClient([{ status: "canceled", message: "canceled by the shop" }]).sdk, "p", fast)).status).toBe("canceled")
    expect((await waitForPaymentCollection(collectionClient([{ status: "pending" }]).sdk, "p", { timeoutMs: 20, initialDelayMs: 5 })).status).toBe("timeout")
  })

  it("starts a session on the collection with the provider's data, remembers it, and returns the gateway's page", async () => {
    const storage = memoryStorage()
    const sent: Array<{ input: string; init?: { method?: string; body?: Record<string, unknown> } }> = []
    const sdk: StoreClient = {
      client: {
        async fetch<T>(input: string, init?: { method?: string; body?: Record<string, unknown> }): Promise<T> {
          sent.push({ input, init })
          return {
            payment_collection: {
              id: "pay_col_1",
              payment_sessions: [{ provider_id: "pp_rubitpay_hold", data: { redirect_url: "https://pay.example/rubitpay/pay/1" } }],
            },
          } as T
        },
      },
    }
    const url = await startPaymentLinkSession(sdk, { paymentCollectionId: "pay_col_1", orderId: "order_1" }, "pp_rubitpay_hold", { payway: "sbp" }, storage)
    expect(url).toBe("https://pay.example/rubitpay/pay/1")
    expect(sent).toEqual([
      { input: "/store/payment-collections/pay_col_1/payment-sessions", init: { method: "POST", body: { provider_id: "pp_rubitpay_hold", data: { payway: "sbp" } } } },
    ])
    expect(paymentInProgress(storage)).toEqual({ kind: "payment_collection", paymentCollectionId: "pay_col_1", orderId: "order_1" })
  })

  it("does not remember a payment whose gateway page did not open", async () => {
    const storage = memoryStorage()
    const sdk: StoreClient = {
      client: { fetch: async <T>() => ({ payment_collection: { id: "pay_col_1", payment_sessions: [] } }) as T },
    }
    await expect(startPaymentLinkSession(sdk, { paymentCollectionId: "pay_col_1" }, "pp_romb_romb", {}, storage)).rejects.toThrow(/no payment session/)
    expect(storage.items.size).toBe(0)
  })

  it("one return page tells a checkout from a payment link, and ignores what it did not write", () => {
    const storage = memoryStorage()
    expect(paymentInProgress(storage)).toBeUndefined()
    rememberPayment({ kind: "cart", cartId: "cart_1" }, storage)
    expect(paymentInProgress(storage)).toEqual({ kind: "cart", cartId: "cart_1" })
    rememberPayment({ kind: "payment_collection", paymentCollectionId: "pay_col_1" }, storage)
    expect(paymentInProgress(storage)).toEqual({ kind: "payment_collection", paymentCollectionId: "pay_col_1" })
    for (const junk of ["{not json", "42", '{"kind":"payment_collection"}', '{"kind":"cart","cartId":7}']) {
      storage.setItem(PAYMENT_IN_PROGRESS_KEY, junk)
      expect(paymentInProgress(storage)).toBeUndefined()
    }
    forgetPayment(storage)
    expect(storage.items.has(PAYMENT_IN_PROGRESS_KEY)).toBe(false)
  })
})
