import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import axios from "axios"
import path from "node:path"
import { reconcilePendingPayments } from "../../src/jobs/reconcile-pending-payments"
import { runGatewayEvent } from "../../src/workflows/run-gateway-event"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { ipnChecksum, orderIpnSecret } from "../../src/providers/exchanger/signature"
import { adminFeed, adminHeaders } from "../helpers/admin"
import { seedStore, SeededStore } from "../helpers/seed-store"
import { completeCart, createCartReadyForPayment, createPaymentSession, paidOrder, paymentStatus, waitFor } from "../helpers/storefront"

jest.setTimeout(180_000)

const OBMIN = "pp_exchanger_obmin"
const POCKETBANK = "pp_exchanger_pocketbank"
const UAH_ONLY = "pp_exchanger_uah_only"
const control = (site: string) => `${process.env.SANDBOX_URL}/__control/exchanger/${site}`

medusaIntegrationTestRunner({
  cwd: path.join(__dirname, "../.."),
  inApp: true,
  testSuite: ({ api, getContainer }) => {
    let seeded: SeededStore

    beforeAll(async () => {
      seeded = await seedStore(getContainer(), { paymentProviderIds: [OBMIN, POCKETBANK, UAH_ONLY] })
    })
    beforeEach(() => axios.post(`${process.env.SANDBOX_URL}/__control/reset`))

    async function start(providerId = OBMIN) {
      const cart = await createCartReadyForPayment(api, seeded, { email: "buyer@example.com" })
      const session = await createPaymentSession(api, cart.id, providerId, { from_values: { card: "4111111111111111" }, cart_id: cart.id })
      return { cart, session }
    }
    const walk = async (redirectUrl: string, status: string) =>
      (await axios.post(`${redirectUrl}/${status}`, null, { headers: { Accept: "application/json" } })).data
    const status = (cartId: string) => paymentStatus(api, cartId)
    async function payment(orderId: string) {
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "order",
        fields: ["payment_collections.payments.captured_at", "payment_collections.payments.id"],
        filters: { id: orderId },
      })
      return (data[0] as any).payment_collections[0].payments[0]
    }
    const events = (sessionId: string) =>
      getContainer().resolve(GATEWAY_INBOX_MODULE).listGatewayEvents({ session_id: sessionId })

    it("checkout: inProgress IPN (the customer's claim) stays pending; inProgressPayout -> order authorized; done -> captured", async () => {
      const { cart, session } = await start()
      expect(session.data).toEqual(
        expect.objectContaining({ gateway: "exchanger", gateway_status: "new", redirect_url: expect.stringMatching(/\/exchanger\/obmin\/uk\/payment\/\d+\//) })
      )
      const claimed = await walk(session.data.redirect_url, "inProgress")
      expect(claimed.ipn).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      await waitFor(async () => {
        const [event] = await events(session.id)
        return event && !["received", "processing"].includes(event.state) ? event : undefined
      })
      expect(await events(session.id)).toEqual([expect.objectContaining({ gateway_status: "inProgress", action: "pending" })])
      expect((await status(cart.id)).status).toBe("pending")
      const early = await completeCart(api, cart.id)
      expect(early.body.type).toBe("cart")
      expect(early.body.error.message).toMatch(/has not confirmed the payment yet/)

      const accepted = await walk(session.data.redirect_url, "inProgressPayout")
      expect(accepted.ipn).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      const orderId = await paidOrder(api, cart.id)
      expect((await payment(orderId)).captured_at).toBeFalsy()
      await walk(session.data.redirect_url, "done")
      await waitFor(async () => ((await payment(orderId)).captured_at ? true : undefined))
    })

    it("a lost IPN: the reconciliation job asks order/get and creates the order, once across two instances", async () => {
      const { cart, session } = await start()
      await axios.post(`${control("obmin")}/ipn-mode`, { mode: "lost" })
      expect((await walk(session.data.redirect_url, "inProgressPayout")).ipn.delivered).toBe(false)
      // nothing recorded yet (the storefront's status route would ask order/get too; here the job does)
      expect(await events(session.id)).toHaveLength(0)
      // two instances running the job at the same moment
      const runs = await Promise.all([1, 2].map(() => reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)))
      expect(runs.flat()).toHaveLength(1)
      await paidOrder(api, cart.id)
      await waitFor(async () => ((await events(session.id))[0]?.state === "processed" ? true : undefined))
      expect(await events(session.id)).toHaveLength(1)
      // a second run finds nothing new
      expect(await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)).toHaveLength(0)
    })

    it("reconciliation finding only the customer's claim (inProgress) creates no order; the exchanger's acceptance does", async () => {
      const { cart, session } = await start()
      await axios.post(`${control("obmin")}/ipn-mode`, { mode: "lost" })
      expect((await walk(session.data.redirect_url, "inProgress")).ipn.delivered).toBe(false)
      expect(await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)).toHaveLength(1)
      await waitFor(async () => {
        const [event] = await events(session.id)
        return event && !["received", "processing"].includes(event.state) ? event : undefined
      })
      expect(await events(session.id)).toEqual([expect.objectContaining({ gateway_status: "inProgress", action: "pending" })])
      expect((await status(cart.id)).status).toBe("pending")
      expect((await completeCart(api, cart.id)).body.type).toBe("cart")

      await axios.post(`${control("obmin")}/ipn-mode`, { mode: "lost" })
      expect((await walk(session.data.redirect_url, "inProgressPayout")).ipn.delivered).toBe(false)
      expect(await reconcilePendingPayments(getContainer(), Date.now() + 10 * 60_000)).toHaveLength(1)
      const orderId = await paidOrder(api, cart.id)
      expect((await payment(orderId)).captured_at).toBeFalsy()
    })

    it("an order unpaid past its lifetime is deleted at the exchanger and the session marked expired", async () => {
      const { cart, session } = await start()
      await axios.post(`${control("obmin")}/ipn-mode`, { mode: "lost" })
      await walk(session.data.redirect_url, "waitPayment")
      expect(await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)).toHaveLength(1)
      expect((await status(cart.id)).status).toBe("pending")
      const dayLater = Date.now() + 24 * 3600_000 + 60_000
      expect(await reconcilePendingPayments(getContainer(), dayLater)).toHaveLength(1)
      expect((await axios.get(`${control("obmin")}/orders/${session.data.gateway_reference}`)).data.status).toBe("deleted")
      // the exchanger's own IPN for the deletion and the expiry are both endings; whichever lands first applies
      await waitFor(async () => {
        const expiry = (await events(session.id)).find((e: any) => e.gateway_status === "expired")
        return expiry && !["received", "processing"].includes(expiry.state) ? expiry : undefined
      })
      expect((await status(cart.id)).status).toBe("canceled")
      expect((await completeCart(api, cart.id)).status).toBe(400)
    })

    it("the done IPN is lost: the operator's Sync with gateway asks order/get and captures the payment", async () => {
      const { cart, session } = await start()
      await walk(session.data.redirect_url, "inProgressPayout")
      const orderId = await paidOrder(api, cart.id)
      await axios.post(`${control("obmin")}/ipn-mode`, { mode: "lost" })
      expect((await walk(session.data.redirect_url, "done")).ipn.delivered).toBe(false)
      expect((await payment(orderId)).captured_at).toBeFalsy()

      const admin = await adminHeaders(getContainer(), api)
      const { data } = await api.post(`/admin/payment-gateways/orders/${orderId}/sync`, {}, admin)
      expect(data.results).toEqual([{ session_id: session.id, provider_id: OBMIN, gateway_status: "done", recorded: true }])
      await waitFor(async () => ((await payment(orderId)).captured_at ? true : undefined))
      // asked again: nothing new
      const again = await api.post(`/admin/payment-gateways/orders/${orderId}/sync`, {}, admin)
      expect(again.data.results).toEqual([expect.objectContaining({ gateway_status: "done", recorded: false })])
      const missing = await api.post("/admin/payment-gateways/orders/order_missing/sync", {}, { ...admin, validateStatus: () => true })
      expect(missing.status).toBe(404)
    })

    it("deleted: no order", async () => {
      const { cart, session } = await start()
      await walk(session.data.redirect_url, "deleted")
      await waitFor(async () => ((await status(cart.id)).status === "canceled" ? true : undefined))
      expect((await completeCart(api, cart.id)).status).toBe(400)
    })

    it("rejects a bad hash, a stale timestamp and an IPN sent to the other registration; nothing changes", async () => {
      const { cart, session } = await start()
      const uid = session.data.gateway_reference
      const order = (await axios.get(`${control("obmin")}/orders/${uid}`)).data
      const fields = { orderUID: String(uid), orderId: order._id, newStatus: "done", inAmount: order.inAmount, outAmount: order.outAmount, xml_from: "CARDRUB", xml_to: "USDTTRC20", timestamp: String(Date.now()) }
      const post = (registration: string, body: Record<string, string>) =>
        axios.post(
          `${api.defaults.baseURL}/hooks/payment-gateways/${registration}?session_id=${session.id}`,
          new URLSearchParams(body).toString(),
          { headers: { "Content-Type": "application/x-www-form-urlencoded" }, validateStatus: () => true }
        )
      const secret = orderIpnSecret("sandbox-obmin-master-secret", session.id)
      expect((await post("exchanger_obmin", { ...fields, hash: ipnChecksum(fields, "guess") })).status).toBe(401)
      const stale = { ...fields, timestamp: String(Date.now() - 3 * 3600_000) }
      const staleResponse = await post("exchanger_obmin", { ...stale, hash: ipnChecksum(stale, secret) })
      expect(staleResponse.status).toBe(401)
      expect(staleResponse.data.message).toMatch(/outside the 900 s window/)
      expect((await post("exchanger_pocketbank", { ...fields, hash: ipnChecksum(fields, secret) })).status).toBe(401)
      expect(await events(session.id)).toHaveLength(0)
      expect((await status(cart.id)).status).toBe("pending")
      // the genuine IPN is accepted
      expect((await post("exchanger_obmin", { ...fields, hash: ipnChecksum(fields, secret) })).status).toBe(200)
    })

    it("a duplicated IPN is processed once", async () => {
      const { cart, session } = await start()
      await axios.post(`${control("obmin")}/ipn-mode`, { mode: "duplicate" })
      await walk(session.data.redirect_url, "inProgressPayout")
      await paidOrder(api, cart.id)
      expect(await events(session.id)).toHaveLength(1)
    })

    it("the engine's error on create becomes a clear storefront error", async () => {
      await axios.post(`${control("obmin")}/next-create-error`, { message: "Route is disabled" })
      const cart = await createCartReadyForPayment(api, seeded, { email: "buyer@example.com" })
      const error = await createPaymentSession(api, cart.id, OBMIN, {}).catch((e: any) => e.response)
      expect(error.status).toBe(400)
      expect(error.data.message).toBe("The exchanger could not create the order: Route is disabled.")
    })

    it("a cart currency without an exchange route is refused clearly at session creation", async () => {
      const cart = await createCartReadyForPayment(api, seeded, { email: "buyer@example.com" })
      const error = await createPaymentSession(api, cart.id, UAH_ONLY, {}).catch((e: any) => e.response)
      expect(error.status).toBe(400)
      expect(error.data.message).toBe(
        "Exchanger uah_only has no exchange route for RUB: add routes.rub to the provider options, or pay with another method."
      )
    })

    it("a frozen order (hold) is authorized but flagged for the operator", async () => {
      const { cart, session } = await start()
      await walk(session.data.redirect_url, "hold")
      await paidOrder(api, cart.id)
      await waitFor(async () => {
        const [event] = await events(session.id)
        return event?.state === "processed" ? event : undefined
      })
      expect(await events(session.id)).toEqual([
        expect.objectContaining({ gateway_status: "hold", flag_reason: "the exchanger froze the order" }),
      ])
      const admin = await adminHeaders(getContainer(), api)
      expect(await adminFeed(api, admin)).toEqual([
        expect.objectContaining({
          data: {
            title: expect.stringMatching(/^Payment of order #\d+ needs attention$/),
            description: `${OBMIN}, payment session ${session.id}: the exchanger froze the order.`,
          },
        }),
      ])
    })

    it("choosing another payment method deletes the unpaid exchanger order; its deleted IPN changes nothing", async () => {
      const { cart, session } = await start()
      await createPaymentSession(api, cart.id, POCKETBANK, { from_values: { card: "4111111111111111" } })
      const order = (await axios.get(`${control("obmin")}/orders/${session.data.gateway_reference}`)).data
      expect(order.status).toBe("deleted")
      expect(order.ipns).toEqual([expect.objectContaining({ delivered: true })])
      const [event] = await waitFor(async () => {
        const found = await events(session.id)
        return found[0] && !["received", "processing"].includes(found[0].state) ? found : undefined
      })
      // processed if it beat the session's deletion, ignored if it came after; never failed and retried
      expect(event).toEqual(expect.objectContaining({ gateway_status: "deleted", flag_reason: null }))
      expect(["processed", "ignored"]).toContain(event.state)
      expect((await status(cart.id)).status).toBe("pending")
    })

    it("money reported for a session the cart has since dropped is flagged for the operator, not retried", async () => {
      const inbox = getContainer().resolve(GATEWAY_INBOX_MODULE)
      const stored = await inbox.createGatewayEvents({
        provider_id: OBMIN,
        event_key: "gone:done",
        session_id: "payses_dropped",
        action: "captured",
        gateway_status: "done",
        confirmation: {},
      })
      await runGatewayEvent(getContainer(), stored.id)
      expect(await inbox.retrieveGatewayEvent(stored.id)).toEqual(
        expect.objectContaining({
          state: "flagged",
          flag_reason: "gateway reported done for payment session payses_dropped, which the cart no longer has",
        })
      )
    })

    it("both presets work side by side", async () => {
      const { cart, session } = await start(POCKETBANK)
      expect(session.data.redirect_url).toMatch(/\/exchanger\/pocketbank\/en\/payment\//)
      await walk(session.data.redirect_url, "done")
      const orderId = await paidOrder(api, cart.id)
      expect((await payment(orderId)).captured_at).toBeTruthy()
    })
  },
})
