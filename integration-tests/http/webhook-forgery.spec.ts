import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import axios from "axios"
import path from "node:path"
// what Express's urlencoded parser (extended: true) reads a form with: used here only to show what a
// second parser would have decided on
import qs from "qs"
import { reconcilePendingPayments } from "../../src/jobs/reconcile-pending-payments"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import type GatewayInboxModuleService from "../../src/modules/gateway-inbox/service"
import { ipnChecksum, orderIpnSecret } from "../../src/providers/exchanger/signature"
import { readRombBody, rombSignature, rombSignatureBase } from "../../src/providers/romb/signature"
import { verifyRubitPaySignature } from "../../src/providers/rubitpay/signature"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { seedStore, SeededStore } from "../helpers/seed-store"
import { completeCart, createCartReadyForPayment, createPaymentSession, ordersForCart, paidOrder, paymentStatus, waitFor } from "../helpers/storefront"

/**
 * "Act only on what was verified": every decision is taken from exactly the
 * structure whose signature was checked. Each finding of the issue as an
 * attacker would try it against the real app: a genuine notification of a
 * cheap cart of their own, re-shaped so that a second parser (Express/qs, a
 * careless media-type check) would read another session, amount or status
 * than the one the signature covers; on the plugin's URL and on Medusa's
 * built-in `/hooks/payment/:provider`, which acknowledges first and hands the
 * body to the plugin after its delay (5 s by default).
 */
jest.setTimeout(240_000)

const ROMB = "pp_romb_romb"
const RUBITPAY = "pp_rubitpay_rubitpay"
const OBMIN = "pp_exchanger_obmin"
const ROMB_SECRET = "sandbox-romb-private"
const RUBITPAY_SHOP = "sandbox-rubitpay-shop"
const RUBITPAY_SECRET = "sandbox-rubitpay-secret"
const PLUGIN_ROMB_URL = "/hooks/payment-gateways/romb_romb"
const BUILTIN_ROMB_URL = "/hooks/payment/romb_romb"
const PLUGIN_RUBITPAY_URL = "/hooks/payment-gateways/rubitpay_rubitpay"
const FORM = "application/x-www-form-urlencoded"
/** Medusa's built-in webhook route emits its event with `delay: webhook_delay || 5000`. */
const BUILTIN_DELAY_MS = 5000
/** Text a database error would put in an answer. */
const DATABASE_TEXT = /insert into|select |update |column|relation|constraint|violates|duplicate key|invalid input syntax|numeric|postgres|mikro|knex|sql/i

medusaIntegrationTestRunner({
  cwd: path.join(__dirname, "../.."),
  inApp: true,
  testSuite: ({ api, getContainer }) => {
    let seeded: SeededStore

    beforeAll(async () => {
      seeded = await seedStore(getContainer(), { paymentProviderIds: [ROMB, RUBITPAY, OBMIN] })
    })

    beforeEach(async () => {
      await axios.post(`${process.env.SANDBOX_URL}/__control/reset`)
      await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}${PLUGIN_ROMB_URL}`)
      await rubitPaySandbox.setCallbackUrl(RUBITPAY_SHOP, `${api.defaults.baseURL}${PLUGIN_RUBITPAY_URL}`)
    })

    afterEach(() => jest.restoreAllMocks())

    /** A cart of `quantity` samovars (1490.50 each) + 300 shipping, with a session of the provider. */
    async function start(providerId: string, quantity = 1, data: Record<string, unknown> = {}) {
      const cart = await createCartReadyForPayment(api, seeded, { email: "buyer@example.com", quantity })
      const session = await createPaymentSession(api, cart.id, providerId, data, seeded)
      return { cart, session }
    }

    const post = (url: string, body: string, contentType: string) =>
      axios.post(`${api.defaults.baseURL}${url}`, body, {
        headers: { "Content-Type": contentType },
        validateStatus: () => true,
        transformRequest: [(d) => d],
      })


    async function orderPayments(orderId: string) {
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "order",
        fields: [
          "id",
          "total",
          "payment_collections.payments.id",
          "payment_collections.payments.amount",
          "payment_collections.payments.captured_at",
          "payment_collections.payments.captures.id",
          "payment_collections.payments.captures.amount",
        ],
        filters: { id: orderId },
      })
      const order = data[0] as any
      return { order, payments: order.payment_collections.flatMap((c: any) => c.payments) }
    }

    /** Payments Medusa made for a session (none, for a session nobody paid). */
    const sessionPayments = (sessionId: string) =>
      getContainer().resolve(Modules.PAYMENT).listPayments({ payment_session_id: sessionId })

    const inboxEvents = (sessionId: string) =>
      getContainer().resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE).listGatewayEvents({ session_id: sessionId })

    /** Nothing happened to this cart: no order, no payment, nothing in the inbox, still pending. */
    async function expectUntouched(cart: { id: string }, session: { id: string }) {
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      expect(await sessionPayments(session.id)).toHaveLength(0)
      expect(await inboxEvents(session.id)).toHaveLength(0)
      expect((await paymentStatus(api, cart.id)).status).toBe("pending")
    }

    /**
     * Posts to Medusa's built-in route, which answers 200 before it looks at
     * the body, then waits until the plugin's subscriber has refused it (the
     * refusal it counts, with the provider's reason) and past the route's delay.
     */
    async function postToBuiltinAndAwaitRefusal(body: string, contentType: string) {
      const counted = jest.spyOn(getContainer().resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE), "countWebhookRefusal")
      try {
        const refusals = () => counted.mock.calls.filter(([providerId]) => providerId === ROMB)
        const sentAt = Date.now()
        const response = await post(BUILTIN_ROMB_URL, body, contentType)
        expect(response.status).toBe(200)
        const [[, , message]] = await waitFor(async () => (refusals().length ? refusals() : undefined), { timeoutMs: 20_000 })
        // past the delay and a little more, so that Medusa's own subscriber has had its turn too
        const waited = Date.now() - sentAt
        await new Promise((r) => setTimeout(r, Math.max(1500, BUILTIN_DELAY_MS + 2000 - waited)))
        return String(message)
      } finally {
        counted.mockRestore()
      }
    }

    /** The Romb notification the sandbox sent (or tried to send) for a session. */
    async function rombDelivery(sessionId: string, index = 0) {
      const order = await rombSandbox.order(sessionId)
      return order.webhooks[index] as { body: string; contentType: string; delivered: boolean }
    }

    function signedRombJson(fields: Record<string, unknown>) {
      const body = JSON.stringify(fields)
      const sign = rombSignature(readRombBody(body, "application/json"), ROMB_SECRET)
      return `${body.slice(0, -1)},"sign":"${sign}"}`
    }

    describe("Romb: a genuine notification of the attacker's cheap cart re-shaped as a form", () => {
      /**
       * `+amount=<rest of the genuine signed string>&sign=<genuine>&[order_id]=<victim>…`:
       * PHP's $_POST drops the leading space and ignores names starting with `[`, so it
       * reads `{amount: "<rest>", sign}`, whose signed string is the genuine one; qs reads
       * `order_id`, `amount`, `status` from the bracketed names.
       */
      async function formForgery() {
        const victim = await start(ROMB, 3)
        expect(victim.session.data.gateway_amount).toBe("4771.50")
        const attacker = await start(ROMB, 1)
        const paid = await rombSandbox.pay(attacker.session.data.redirect_url)
        expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
        await paidOrder(api, attacker.cart.id)

        const genuine = await rombDelivery(attacker.session.id)
        const genuineFields = readRombBody(genuine.body, genuine.contentType)
        const sign = genuineFields.get("sign") as string
        const base = rombSignatureBase(genuineFields)
        expect(base.startsWith("amount=")).toBe(true)
        const rest = base.slice("amount=".length)
        const forged =
          `+amount=${encodeURIComponent(rest)}&sign=${sign}` +
          `&[order_id]=${victim.session.id}&[id]=x&[amount]=${victim.session.data.gateway_amount}&[status]=PAID`

        // the forgery is worth trying: PHP's reading of it carries the genuine signature…
        expect(rombSignature(new Map([["amount", rest]]), ROMB_SECRET)).toBe(sign)
        // …and Express's reading of the same bytes names the victim's session as paid
        expect(qs.parse(forged)).toEqual(
          expect.objectContaining({ order_id: victim.session.id, amount: "4771.50", status: "PAID", sign })
        )
        return { victim, attacker, forged }
      }

      it("is refused with 400 on the plugin's URL; the victim's cart is untouched", async () => {
        const { victim, attacker, forged } = await formForgery()
        const response = await post(PLUGIN_ROMB_URL, forged, FORM)
        expect(response.status).toBe(400)
        expect(response.data.message).toMatch(/^Romb webhook: form field name " amount" is not a plain name\.$/)
        await expectUntouched(victim.cart, victim.session)
        // the attacker's own payment is what it was: one event, one order
        expect(await inboxEvents(attacker.session.id)).toHaveLength(1)
        expect(await ordersForCart(getContainer(), attacker.cart.id)).toHaveLength(1)
      })

      it("is acknowledged by Medusa's built-in /hooks/payment/romb_romb but changes nothing", async () => {
        const { victim, attacker, forged } = await formForgery()
        const refusal = await postToBuiltinAndAwaitRefusal(forged, FORM)
        expect(refusal).toMatch(/form field name " amount" is not a plain name/)
        await expectUntouched(victim.cart, victim.session)
        expect(await inboxEvents(attacker.session.id)).toHaveLength(1)
        expect((await completeCart(api, victim.cart.id, seeded)).body.type).toBe("cart")
      })
    })

    describe("Romb: a genuine JSON notification read as a form", () => {
      /**
       * The attacker's own session carries a description they chose, which Romb
       * echoes in the signed `data`. Read as JSON (the signature's structure) it is
       * the attacker's paid cart; read as a form, the description's `&`s make it
       * the victim's session, paid.
       */
      async function jsonForgery() {
        const victim = await start(ROMB, 3)
        const attacker = await start(ROMB, 1, {
          description: `&order_id=${victim.session.id}&id=x&amount=${victim.session.data.gateway_amount}&status=PAID&`,
        })
        await rombSandbox.pay(attacker.session.data.redirect_url)
        await paidOrder(api, attacker.cart.id)
        const genuine = await rombDelivery(attacker.session.id)
        expect(genuine.contentType).toBe("application/json")
        // genuinely signed as JSON…
        const asJson = readRombBody(genuine.body, "application/json")
        expect(rombSignature(asJson, ROMB_SECRET)).toBe(asJson.get("sign"))
        expect(asJson.get("order_id")).toBe(attacker.session.id)
        // …and the victim's paid session to a form reader
        expect(qs.parse(genuine.body)).toEqual(
          expect.objectContaining({ order_id: victim.session.id, amount: "4771.50", status: "PAID" })
        )
        return { victim, attacker, body: genuine.body }
      }

      const AMBIGUOUS_TYPES = [
        // "/" is not a token character, so Express's parsers cannot read this header and keep no body at all: the header is the reason
        ["application/json; x=application/x-www-form-urlencoded", /Content-Type parameter "x=application\/x-www-form-urlencoded" is not accepted/],
        // quoted, Express reads the body as JSON, while a media-type check by substring would say form
        ['application/json; x="application/x-www-form-urlencoded"', /Content-Type parameter "x="application\/x-www-form-urlencoded"" is not accepted/],
        [FORM, /is not name=value/],
      ] as const

      it.each(AMBIGUOUS_TYPES)("sent as %s: 400 on the plugin's URL, nothing stored", async (contentType, reason) => {
        const { victim, attacker, body } = await jsonForgery()
        const response = await post(PLUGIN_ROMB_URL, body, contentType)
        expect(response.status).toBe(400)
        expect(response.data.message).toMatch(reason)
        await expectUntouched(victim.cart, victim.session)
        expect(await inboxEvents(attacker.session.id)).toHaveLength(1)
      })

      it.each(AMBIGUOUS_TYPES)("sent as %s to Medusa's built-in URL: acknowledged, no order", async (contentType, reason) => {
        const { victim, attacker, body } = await jsonForgery()
        expect(await postToBuiltinAndAwaitRefusal(body, contentType)).toMatch(reason)
        await expectUntouched(victim.cart, victim.session)
        expect(await inboxEvents(attacker.session.id)).toHaveLength(1)
      })
    })

    describe("RubitPay: text moved from one signed value into its neighbour", () => {
      /**
       * RubitPay signs the sorted values joined with ":" and not their names
       * (amount, created_at, currency, …), so moving text across a ":" keeps the
       * signature. The genuine webhook is held back (no callback URL) so that the
       * shifted ones arrive first.
       */
      async function heldBackWebhook() {
        await rubitPaySandbox.setCallbackUrl(RUBITPAY_SHOP, null)
        const { cart, session } = await start(RUBITPAY)
        const paid = await rubitPaySandbox.click(session.data.redirect_url, "pay")
        expect(paid.webhook.delivered).toBe(false)
        const [delivery] = (await rubitPaySandbox.invoice(session.id)).webhooks
        const genuine = JSON.parse(delivery.body)
        expect(genuine).toEqual(
          expect.objectContaining({ shop_order_id: session.id, status: "success", amount: "1790.50", currency: "RUB" })
        )
        expect(genuine.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
        return { cart, session, body: delivery.body as string, genuine }
      }

      const shifts: Array<[string, (g: Record<string, string>) => Record<string, string>, RegExp]> = [
        [
          "currency absorbs the end of created_at",
          (g) => {
            const cut = g.created_at.indexOf(":") + 3 // "…T07:44" | "18.123Z"
            return { ...g, created_at: g.created_at.slice(0, cut), currency: `${g.created_at.slice(cut + 1)}:${g.currency}` }
          },
          /currency/,
        ],
        [
          "amount absorbs the start of created_at (a NaN amount to Number())",
          (g) => {
            const cut = g.created_at.indexOf(":")
            return { ...g, amount: `${g.amount}:${g.created_at.slice(0, cut)}`, created_at: g.created_at.slice(cut + 1) }
          },
          /amount: must be a decimal amount/,
        ],
        [
          "created_at absorbs currency, which disappears",
          (g) => {
            const { currency, ...rest } = g
            return { ...rest, created_at: `${g.created_at}:${currency}` }
          },
          /currency/,
        ],
      ]

      it("each shift keeps the genuine sign but is refused with 400, no database text, nothing stored; the genuine webhook then makes one order", async () => {
        const { cart, session, body, genuine } = await heldBackWebhook()
        for (const [name, shift, reason] of shifts) {
          const shifted = shift(genuine)
          // the shift is worth trying: the genuine sign still verifies
          expect({ name, verifies: verifyRubitPaySignature(shifted, RUBITPAY_SECRET) }).toEqual({ name, verifies: true })
          const response = await post(PLUGIN_RUBITPAY_URL, JSON.stringify(shifted), "application/json")
          expect({ name, status: response.status }).toEqual({ name, status: 400 })
          expect(response.data.message).toMatch(/^RubitPay webhook: malformed notification: /)
          expect(response.data.message).toMatch(reason)
          expect(JSON.stringify(response.data)).not.toMatch(DATABASE_TEXT)
        }
        expect(await inboxEvents(session.id)).toHaveLength(0)
        expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
        expect((await paymentStatus(api, cart.id)).status).toBe("pending")

        const response = await post(PLUGIN_RUBITPAY_URL, body, "application/json")
        expect(response.status).toBe(200)
        const orderId = await paidOrder(api, cart.id)
        await new Promise((r) => setTimeout(r, 1000))
        expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
        const { payments } = await orderPayments(orderId)
        expect(payments).toHaveLength(1)
        expect(payments[0].captured_at).toBeTruthy()
        expect(payments[0].captures).toHaveLength(1)
        expect(await inboxEvents(session.id)).toEqual([
          expect.objectContaining({ action: "captured", gateway_status: "success", state: "processed" }),
        ])
      })

      it("a RubitPay webhook sent as a form (the doc's webhooks are JSON) is refused with 400", async () => {
        const { cart, session, genuine } = await heldBackWebhook()
        const response = await post(PLUGIN_RUBITPAY_URL, new URLSearchParams(genuine).toString(), FORM)
        expect(response.status).toBe(400)
        expect(response.data.message).toMatch(/Content-Type must be application\/json/)
        expect(await inboxEvents(session.id)).toHaveLength(0)
        expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      })
    })

    it("Exchanger: a done IPN with a wrong inAmount is flagged; reconciliation's order/get (done, right amount) still makes one captured order", async () => {
      const { cart, session } = await start(OBMIN)
      const control = `${process.env.SANDBOX_URL}/__control/exchanger/obmin`
      const uid = session.data.gateway_reference
      // the customer pays and the exchanger finishes the order; its own IPN is lost
      const order = (await axios.post(`${control}/orders/${uid}/status`, { status: "done", notify: false })).data
      expect(order.inAmount).toBe("1790.50")

      const fields = {
        orderUID: String(uid),
        orderId: order._id,
        newStatus: "done",
        inAmount: "1.00",
        outAmount: order.outAmount,
        xml_from: "CARDRUB",
        xml_to: "USDTTRC20",
        timestamp: String(Date.now()),
      }
      const hash = ipnChecksum(fields, orderIpnSecret("sandbox-obmin-master-secret", session.id))
      const response = await post(
        `/hooks/payment-gateways/exchanger_obmin?session_id=${session.id}`,
        new URLSearchParams({ ...fields, hash }).toString(),
        FORM
      )
      expect(response.status).toBe(200)
      expect(response.data.flagged).toMatch(/^amount 1\.00 differs from the session's 1790\.50 RUB$/)
      expect(await inboxEvents(session.id)).toEqual([
        expect.objectContaining({ state: "flagged", gateway_status: "done", event_key: `${order._id}:done:flagged:1.00:` }),
      ])
      await new Promise((r) => setTimeout(r, 1000))
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)

      // the gateway's true word, same status: not swallowed by the flagged event's key
      const found = await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)
      expect(found).toHaveLength(1)
      const orderId = await paidOrder(api, cart.id)
      await waitFor(async () => {
        const { payments } = await orderPayments(orderId)
        return payments[0]?.captured_at ? true : undefined
      })
      await new Promise((r) => setTimeout(r, 1000))
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
      const { order: made, payments } = await orderPayments(orderId)
      expect(Number(made.total)).toBeCloseTo(1790.5, 2)
      expect(payments).toHaveLength(1)
      expect(Number(payments[0].amount)).toBeCloseTo(1790.5, 2)
      expect(payments[0].captures).toHaveLength(1)
      expect(Number(payments[0].captures[0].amount)).toBeCloseTo(1790.5, 2)

      const events = await inboxEvents(session.id)
      expect(events).toHaveLength(2)
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ event_key: `${order._id}:done:flagged:1.00:`, state: "flagged", flag_reason: expect.stringContaining("amount 1.00") }),
          expect.objectContaining({ event_key: `${order._id}:done`, state: "processed", action: "captured" }),
        ])
      )
      // nothing more to find
      expect(await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)).toHaveLength(0)
    })

    describe("Romb through Medusa's built-in /hooks/payment/romb_romb", () => {
      it("a genuine payment confirmed there makes the order, captured once", async () => {
        await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}${BUILTIN_ROMB_URL}`)
        const { cart, session } = await start(ROMB)
        const paid = await rombSandbox.pay(session.data.redirect_url)
        expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
        const orderId = await paidOrder(api, cart.id, 20_000)
        await new Promise((r) => setTimeout(r, 1500))
        expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
        const { payments } = await orderPayments(orderId)
        expect(payments).toHaveLength(1)
        expect(payments[0].captured_at).toBeTruthy()
        expect(payments[0].captures).toHaveLength(1)
        expect(await inboxEvents(session.id)).toEqual([
          expect.objectContaining({ action: "captured", gateway_status: "PAID", state: "processed" }),
        ])
      })

      it("the same notification sent to both URLs: one order, one capture, one event", async () => {
        await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}${BUILTIN_ROMB_URL}`)
        const { cart, session } = await start(ROMB)
        await rombSandbox.pay(session.data.redirect_url)
        const genuine = await rombDelivery(session.id)
        expect(genuine.delivered).toBe(true)
        // the plugin's URL too, while Medusa's delayed event is still waiting, and once more after
        const first = await post(PLUGIN_ROMB_URL, genuine.body, genuine.contentType)
        expect(first.status).toBe(200)
        const orderId = await paidOrder(api, cart.id, 20_000)
        await new Promise((r) => setTimeout(r, BUILTIN_DELAY_MS + 2000))
        const again = await post(BUILTIN_ROMB_URL, genuine.body, genuine.contentType)
        expect(again.status).toBe(200)
        await new Promise((r) => setTimeout(r, BUILTIN_DELAY_MS + 2000))

        expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
        const { payments } = await orderPayments(orderId)
        expect(payments).toHaveLength(1)
        expect(payments[0].captures).toHaveLength(1)
        expect(await inboxEvents(session.id)).toEqual([
          expect.objectContaining({ action: "captured", gateway_status: "PAID", state: "processed" }),
        ])
      })
    })

    it("Romb: a correctly signed unknown status (REFUNDING) is acknowledged, stored flagged, and changes nothing", async () => {
      const { cart, session } = await start(ROMB)
      const response = await post(
        PLUGIN_ROMB_URL,
        signedRombJson({ id: "tx-unknown", order_id: session.id, amount: Number(session.data.gateway_amount), status: "REFUNDING" }),
        "application/json"
      )
      expect(response.status).toBe(200)
      expect(response.data.flagged).toMatch(/status "REFUNDING", which the plugin does not know/)
      await new Promise((r) => setTimeout(r, 1500))
      expect(await inboxEvents(session.id)).toEqual([
        expect.objectContaining({ action: "unknown", gateway_status: "REFUNDING", state: "flagged", event_key: "tx-unknown:REFUNDING" }),
      ])
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      expect(await sessionPayments(session.id)).toHaveLength(0)
      expect((await paymentStatus(api, cart.id)).status).toBe("pending")
      const [stored] = await getContainer()
        .resolve(Modules.PAYMENT)
        .listPaymentSessions({ id: session.id }, { select: ["id", "status", "data"] })
      expect(stored.status).toBe("pending")
      expect(stored.data.gateway_status).toBe("WAIT")
      const completion = await completeCart(api, cart.id, seeded)
      expect(completion.body.type).toBe("cart")
      expect(completion.body.error.message).toMatch(/Romb has not confirmed the payment yet/)

      // Romb's later PAID for the same transaction is still processed
      const paid = await post(
        PLUGIN_ROMB_URL,
        signedRombJson({ id: "tx-unknown", order_id: session.id, amount: Number(session.data.gateway_amount), status: "PAID" }),
        "application/json"
      )
      expect(paid.status).toBe(200)
      await paidOrder(api, cart.id)
    })
  },
})
