import axios from "axios"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { redirectSuite } from "../helpers/redirect-suite"
import { createCartReadyForPayment, createPaymentSession, ordersForCart, paymentStatus, waitFor } from "../helpers/storefront"

jest.setTimeout(180_000)

/*
 * medusa-config.ts reads it when the app boots: a storefront on another host
 * than the demo's (docs/nextjs-starter.md), allowed without editing the config.
 */
process.env.ALLOWED_RETURN_HOSTS = "shop.example, localhost:8100"

const ROMB = "pp_romb_romb"
const SINGLE = "pp_rubitpay_rubitpay"
const HOLD = "pp_rubitpay_hold"
const OBMIN = "pp_exchanger_obmin"

/** What a storefront's return page sees: the status route and the names a checkout shows. */
redirectSuite({
  paymentProviderIds: [ROMB, SINGLE, HOLD, OBMIN],
  testSuite: ({ api, getContainer, seeded, store, startPayment }) => {
    beforeEach(async () => {
      await axios.post(`${process.env.SANDBOX_URL}/__control/reset`)
      await rubitPaySandbox.features({ check: true })
    })

    const invoiceChecks = async () =>
      (await axios.get(`${process.env.SANDBOX_URL}/__control/requests`)).data.filter((r: { path: string }) => r.path === "/rubitpay/invoice/check")
        .length

    it("lists the plugin's registrations with the names a checkout shows", async () => {
      const { data } = await api.get("/store/payment-gateways", store())
      const names = Object.fromEntries(data.payment_gateways.map((g: { provider_id: string; name: string }) => [g.provider_id, g.name]))
      expect(names).toEqual(
        expect.objectContaining({
          [ROMB]: "Romb",
          [SINGLE]: "RubitPay",
          [HOLD]: "RubitPay (two-step)",
          pp_exchanger_obmin: "obmin.me",
          pp_exchanger_pocketbank: "pocketbank.net",
        })
      )
      expect(data.payment_gateways.find((g: { provider_id: string }) => g.provider_id === HOLD).gateway).toBe("rubitpay")
      expect(JSON.stringify(data)).not.toMatch(/secret/i)
      // a store route: the publishable key is required
      const anonymous = await api.get("/store/payment-gateways", { validateStatus: () => true })
      expect(anonymous.status).toBe(400)
    })

    it("a lost webhook: the return page's polling asks RubitPay and the order is made, at most one check per few seconds", async () => {
      const { cart, session } = await startPayment(SINGLE, { payway: "sbp" })
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", null) // the notification never arrives
      const pending = await paymentStatus(api, cart.id)
      expect(pending).toEqual(
        expect.objectContaining({ status: "pending", provider_id: SINGLE, name: "RubitPay", message: "Waiting for RubitPay to confirm the payment…" })
      )
      const checksAfterFirstPoll = await invoiceChecks()
      expect(checksAfterFirstPoll).toBe(1)
      // a burst of polls from the page (or several tabs) within the interval asks the gateway no more
      await Promise.all([1, 2, 3, 4, 5].map(() => paymentStatus(api, cart.id)))
      expect(await invoiceChecks()).toBe(checksAfterFirstPoll)

      await rubitPaySandbox.click(session.data.redirect_url, "pay")
      const paid = await waitFor(
        async () => {
          const status = await paymentStatus(api, cart.id)
          return status.status === "paid" ? status : undefined
        },
        { timeoutMs: 30_000, intervalMs: 1000 }
      )
      expect(paid).toEqual(expect.objectContaining({ status: "paid", provider_id: SINGLE, name: "RubitPay" }))
      expect((paid as { message: string }).message).toMatch(/^RubitPay confirmed the payment: order #\d+ is placed\.$/)
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
    })

    it("a decline: failed with a message that offers another attempt, and the same cart can pay again", async () => {
      const { cart, session } = await startPayment(HOLD)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-hold-shop", `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_hold`)
      await rubitPaySandbox.click(session.data.redirect_url, "decline")
      const failed = await waitFor(async () => {
        const status = await paymentStatus(api, cart.id)
        return status.status === "failed" ? status : undefined
      })
      expect(failed).toEqual(
        expect.objectContaining({ name: "RubitPay (two-step)", message: "RubitPay (two-step) declined the payment. Try again, or choose another payment method." })
      )
      const again = await createPaymentSession(api, cart.id, HOLD, {})
      expect((await paymentStatus(api, cart.id)).status).toBe("pending")
      await rubitPaySandbox.click(again.data.redirect_url, "hold")
      const paid = await waitFor(async () => {
        const status = await paymentStatus(api, cart.id)
        return status.status === "paid" ? status : undefined
      })
      expect(paid.order_id).toBeTruthy()
    })

    it("ALLOWED_RETURN_HOSTS: a return_url on an extra host goes to the gateway, one on any other host is refused", async () => {
      const createRequests = async (path: string) =>
        (await axios.get(`${process.env.SANDBOX_URL}/__control/requests`, { params: { path } })).data.map(
          (r: { body: Record<string, unknown> }) => r.body
        )
      const back = (cartId: string, origin: string) => `${origin}/ru/checkout/return?cart_id=${cartId}`

      const rubitpay = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
      const viaRubitPay = await createPaymentSession(api, rubitpay.id, SINGLE, { return_url: back(rubitpay.id, "https://shop.example") })
      expect(viaRubitPay.status).toBe("pending")
      expect(await createRequests("/rubitpay/invoice/create")).toEqual([
        expect.objectContaining({ success_url: back(rubitpay.id, "https://shop.example"), fail_url: back(rubitpay.id, "https://shop.example") }),
      ])

      const obmin = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
      await createPaymentSession(api, obmin.id, OBMIN, { return_url: back(obmin.id, "http://localhost:8100") })
      expect(await createRequests("/exchanger/obmin/api")).toEqual([
        expect.objectContaining({ clientCallbackUrl: back(obmin.id, "http://localhost:8100") }),
      ])

      // the demo storefront's own host (STOREFRONT_URL) stays allowed
      const own = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
      await createPaymentSession(api, own.id, SINGLE, { return_url: back(own.id, String(process.env.STOREFRONT_URL)) })

      for (const [providerId, host] of [
        [SINGLE, "evil.example"],
        [OBMIN, "shop.example.evil.example"],
        [SINGLE, "localhost:8101"],
      ]) {
        const cart = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
        const before = (await axios.get(`${process.env.SANDBOX_URL}/__control/requests`)).data.length
        const refused = await createPaymentSession(api, cart.id, providerId, { return_url: back(cart.id, `https://${host}`) }).then(
          () => undefined,
          (error) => error.response
        )
        expect(refused?.status).toBe(400)
        expect(refused.data.message).toContain(`return_url host ${host} is not allowed; add it to the provider's allowedReturnHosts option.`)
        // refused before any gateway order is made
        expect((await axios.get(`${process.env.SANDBOX_URL}/__control/requests`)).data.length).toBe(before)
      }
    })

    it("Romb has no status call: polling never asks it, the message says what the page waits for", async () => {
      const { cart } = await startPayment(ROMB, { email: "buyer@example.com" })
      const before = (await axios.get(`${process.env.SANDBOX_URL}/__control/requests`)).data.length
      const status = await paymentStatus(api, cart.id)
      expect(status).toEqual(expect.objectContaining({ status: "pending", name: "Romb", message: "Waiting for Romb to confirm the payment…" }))
      expect((await axios.get(`${process.env.SANDBOX_URL}/__control/requests`)).data.length).toBe(before)
    })

    it("an unknown cart is a 404, a cart without a payment is pending with a plain message", async () => {
      const missing = await api.get("/store/carts/cart_missing/payment-status", { ...store(), validateStatus: () => true })
      expect(missing.status).toBe(404)
      const cart = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
      expect(await paymentStatus(api, cart.id)).toEqual({ status: "pending", message: "No payment has been started for this cart." })
    })
  },
})
