import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import axios from "axios"
import path from "node:path"
import type { AdminPaymentGateway, AdminPaymentGatewaysResponse } from "../../src/api/admin/payment-gateways/route"
import type { AdminGatewayEventsResponse } from "../../src/api/admin/payment-gateways/events/route"
import type { AdminOrderGatewayPaymentsResponse } from "../../src/api/admin/payment-gateways/orders/[id]/route"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { readRombBody, rombSignature } from "../../src/providers/romb/signature"
import { adminHeaders } from "../helpers/admin"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { seedStore, SeededStore } from "../helpers/seed-store"
import { createCartReadyForPayment, createPaymentSession, paidOrder, waitFor } from "../helpers/storefront"

jest.setTimeout(180_000)

const ROMB = "pp_romb_romb"
const SINGLE = "pp_rubitpay_rubitpay"
const HOLD = "pp_rubitpay_hold"
const OBMIN = "pp_exchanger_obmin"
const ROMB_SECRET = "sandbox-romb-private"

/**
 * The admin's view of the plugin: the "Payment gateways" settings page (each
 * registration, its webhook URL, what its inbox holds, what it refused) and
 * the order widget's gateway payments, through the real admin routes.
 */
medusaIntegrationTestRunner({
  cwd: path.join(__dirname, "../.."),
  inApp: true,
  testSuite: ({ api, getContainer }) => {
    let seeded: SeededStore
    let admin: { headers: Record<string, string> }

    beforeAll(async () => {
      seeded = await seedStore(getContainer(), { paymentProviderIds: [ROMB, SINGLE, HOLD, OBMIN] })
      admin = await adminHeaders(getContainer(), api)
    })
    beforeEach(async () => {
      await axios.post(`${process.env.SANDBOX_URL}/__control/reset`)
      await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-hold-shop", `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_hold`)
    })

    async function start(providerId: string) {
      const cart = await createCartReadyForPayment(api, seeded, { email: "buyer@example.com" })
      const session = await createPaymentSession(api, cart.id, providerId, {}, seeded)
      return { cart, session }
    }
    async function gateways(): Promise<Record<string, AdminPaymentGateway>> {
      const { data } = await api.get<AdminPaymentGatewaysResponse>("/admin/payment-gateways", admin)
      return Object.fromEntries(data.gateways.map((gateway) => [gateway.provider_id, gateway]))
    }
    async function events(query: string) {
      return (await api.get<AdminGatewayEventsResponse>(`/admin/payment-gateways/events?${query}`, admin)).data
    }
    /** A Romb webhook body as Romb sends it, signed with `secret`. */
    function rombWebhook(fields: Record<string, unknown>, secret = ROMB_SECRET) {
      const body = JSON.stringify(fields)
      return `${body.slice(0, -1)},"sign":"${rombSignature(readRombBody(body, "application/json"), secret)}"}`
    }
    /** The body's exact bytes, as a gateway (or an attacker) sends them. */
    const post = (url: string, body: string) =>
      axios.post(url, body, { headers: { "Content-Type": "application/json" }, validateStatus: () => true, transformRequest: [(d) => d] })

    it("answers 401 without an admin token on every admin route of the plugin", async () => {
      const anonymous = { validateStatus: () => true }
      for (const url of [
        "/admin/payment-gateways",
        "/admin/payment-gateways/events",
        "/admin/payment-gateways/orders/order_1",
      ]) {
        expect([url, (await api.get(url, anonymous)).status]).toEqual([url, 401])
      }
      expect((await api.post("/admin/payment-gateways/orders/order_1/sync", {}, anonymous)).status).toBe(401)
      expect((await api.get("/admin/payment-gateways", admin)).status).toBe(200)
    })

    it("lists each registration with its name, gateway, status call and the webhook URL to configure", async () => {
      const list = await gateways()
      const backend = process.env.MEDUSA_BACKEND_URL
      expect(list[ROMB]).toEqual(
        expect.objectContaining({
          name: "Romb",
          gateway: "romb",
          has_status_call: false,
          webhook_url: `${backend}/hooks/payment-gateways/romb_romb`,
        })
      )
      expect(list[SINGLE]).toEqual(
        expect.objectContaining({ name: "RubitPay", has_status_call: true, webhook_url: `${backend}/hooks/payment-gateways/rubitpay_rubitpay` })
      )
      expect(list[HOLD]).toEqual(
        expect.objectContaining({ name: "RubitPay (two-step)", webhook_url: `${backend}/hooks/payment-gateways/rubitpay_hold` })
      )
      // the exchanger is told its IPN URL with each order: nothing to configure
      expect(list[OBMIN]).toEqual(expect.objectContaining({ name: "obmin.me", gateway: "exchanger", has_status_call: true, webhook_url: null }))
      expect(Object.keys(list)).toEqual(expect.arrayContaining(["pp_exchanger_pocketbank", "pp_exchanger_uah_only"]))
      expect(Object.keys(list)).not.toContain("pp_system_default")

      // the URL shown is the one that works: a body sent there reaches the provider's verification
      const forged = await post(list[ROMB].webhook_url!, rombWebhook({ id: "tx-url", order_id: "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W", amount: 1, status: "PAID" }, "wrong"))
      expect(forged.status).toBe(401)
    })

    it("counts forged and malformed webhooks as refused, on both webhook URLs, without storing them", async () => {
      // the forged webhook of the test before may still be counted in memory
      await getContainer().resolve(GATEWAY_INBOX_MODULE).flushWebhookRefusals()
      const before = (await gateways())[ROMB]
      const refusedBy = (expected: { unauthorized: number; malformed: number }) =>
        // counted in memory and written within REFUSAL_FLUSH_MS (5 s)
        waitFor(async () => {
          const refused = (await gateways())[ROMB].refused
          return refused.unauthorized === expected.unauthorized && refused.malformed === expected.malformed ? refused : undefined
        }, { timeoutMs: 30_000 })
      const { session } = await start(ROMB)
      const forged = rombWebhook({ id: "tx-forged", order_id: session.id, amount: Number(session.data.gateway_amount), status: "PAID" }, "not-the-secret")
      expect((await post(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`, forged)).status).toBe(401)
      // JSON that two parsers could read differently (a name given twice) is refused before its signature is read
      const ambiguous = `{"id":"tx-dup","id":"tx-other",${forged.slice(1)}`
      expect((await post(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`, ambiguous)).status).toBe(400)

      await refusedBy({ unauthorized: before.refused.unauthorized + 1, malformed: before.refused.malformed + 1 })
      const after = (await gateways())[ROMB]
      expect(new Date(after.last_refused_at!).getTime()).toBeGreaterThan(Date.now() - 60_000)
      // nothing of it is in the inbox
      expect((await events(`provider_id=${ROMB}&limit=100`)).events.filter((e) => e.session_id === session.id)).toEqual([])

      // a flood on both URLs: every refusal counted, in a single row per provider, hour and reason, and the log
      // gets no stack trace and at most one line a minute per provider and reason (one already went out above)
      const logger = getContainer().resolve("logger")
      const logged = (["error", "warn", "info"] as const).map((level) => jest.spyOn(logger, level))
      try {
        const flood = await Promise.all(
          Array.from({ length: 40 }, () => post(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`, forged))
        )
        expect(flood.map((r) => r.status)).toEqual(Array(40).fill(401))
        expect(flood[0].data).toEqual({ type: "unauthorized", message: "Romb webhook: the signature is missing or invalid." })
        await refusedBy({ unauthorized: before.refused.unauthorized + 41, malformed: before.refused.malformed + 1 })

        // Medusa's built-in URL acknowledges first and hands the bodies to the plugin a few seconds later
        const builtIn = await Promise.all(Array.from({ length: 20 }, () => post(`${api.defaults.baseURL}/hooks/payment/romb_romb`, forged)))
        expect(builtIn.map((r) => r.status)).toEqual(Array(20).fill(200))
        await refusedBy({ unauthorized: before.refused.unauthorized + 61, malformed: before.refused.malformed + 1 })
        const lines = logged.flatMap((spy) => spy.mock.calls.map((call) => String(call[0])))
        expect(lines.filter((line) => /refused|signature|Error 40\d/i.test(line))).toEqual([])
        expect(logged[0].mock.calls).toEqual([])
      } finally {
        logged.forEach((spy) => spy.mockRestore())
      }
      // another provider's counters did not move
      expect((await gateways())[SINGLE].refused).toEqual({ unauthorized: 0, malformed: 0 })
    })

    it("a webhook with the wrong amount counts as flagged and is the registration's latest notification", async () => {
      const before = (await gateways())[ROMB]
      const { session } = await start(ROMB)
      const short = await post(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`, rombWebhook({ id: "tx-short", order_id: session.id, amount: 1.5, status: "PAID" }))
      expect(short.status).toBe(200)
      expect(short.data.flagged).toMatch(/amount 1.5 differs/)

      const after = (await gateways())[ROMB]
      expect(after.flagged).toBe(before.flagged + 1)
      expect(after.last_notification).toEqual(expect.objectContaining({ event_id: short.data.event_id, gateway_status: "PAID" }))
      expect(after.awaiting_processing).toBe(before.awaiting_processing)

      const flagged = await events(`provider_id=${ROMB}&flagged=true&limit=100`)
      expect(flagged.events.map((e) => e.id)).toContain(short.data.event_id)
      expect(flagged.events.find((e) => e.id === short.data.event_id)).toEqual(
        expect.objectContaining({ state: "flagged", amount: "1.50", currency_code: "rub", flag_reason: expect.stringMatching(/amount 1.5 differs/), cart_id: expect.any(String), order_id: null })
      )
      expect((await events(`provider_id=${ROMB}&flagged=false&limit=100`)).events.map((e) => e.id)).not.toContain(short.data.event_id)
      expect((await events("state=flagged&limit=100")).events.every((e) => e.state === "flagged")).toBe(true)
    })

    it("filters the events list by provider and order, and pages through it", async () => {
      const romb = await start(ROMB)
      await rombSandbox.pay(romb.session.data.redirect_url)
      const rombOrder = await paidOrder(api, romb.cart.id)
      const hold = await start(HOLD)
      await rubitPaySandbox.click(hold.session.data.redirect_url, "hold")
      await paidOrder(api, hold.cart.id)

      const ofRomb = await events(`provider_id=${ROMB}&limit=100`)
      expect(ofRomb.events.length).toBeGreaterThan(0)
      expect(ofRomb.events.every((e) => e.provider_id === ROMB)).toBe(true)
      expect(ofRomb.count).toBe(ofRomb.events.length)

      const ofOrder = await events(`order_id=${rombOrder}`)
      expect(ofOrder.events).toEqual([
        expect.objectContaining({ session_id: romb.session.id, order_id: rombOrder, gateway_status: "PAID", state: "processed", currency_code: "rub" }),
      ])
      expect(ofOrder.count).toBe(1)

      // newest first, pages do not overlap and add up to the count
      const all = await events("limit=100")
      expect(all.events[0].session_id).toBe(hold.session.id)
      const first = await events("limit=2&offset=0")
      const second = await events("limit=2&offset=2")
      expect(first).toEqual(expect.objectContaining({ count: all.count, limit: 2, offset: 0 }))
      expect(first.events.map((e) => e.id)).toEqual(all.events.slice(0, 2).map((e) => e.id))
      expect(second.events.map((e) => e.id)).toEqual(all.events.slice(2, 4).map((e) => e.id))

      const unknownOrder = await api.get("/admin/payment-gateways/events?order_id=order_missing", { ...admin, validateStatus: () => true })
      expect(unknownOrder.status).toBe(404)
      for (const bad of ["limit=0", "limit=101", "offset=-1", "state=paid", "flagged=yes", "provider=romb"]) {
        const response = await api.get(`/admin/payment-gateways/events?${bad}`, { ...admin, validateStatus: () => true })
        expect([bad, response.status]).toEqual([bad, 400])
      }
    })

    it("the order widget gets each payment's gateway name, status call, payment page and last gateway word", async () => {
      const romb = await start(ROMB)
      await rombSandbox.pay(romb.session.data.redirect_url)
      const rombOrder = await paidOrder(api, romb.cart.id)
      const hold = await start(HOLD)
      await rubitPaySandbox.click(hold.session.data.redirect_url, "hold")
      const holdOrder = await paidOrder(api, hold.cart.id)

      const view = async (orderId: string) =>
        (await api.get<AdminOrderGatewayPaymentsResponse>(`/admin/payment-gateways/orders/${orderId}`, admin)).data
      const rombView = await view(rombOrder)
      expect(rombView.payments).toEqual([
        expect.objectContaining({
          provider_id: ROMB,
          name: "Romb",
          has_status_call: false,
          payment_page_url: romb.session.data.redirect_url,
          last_gateway_word_at: rombView.events.find((e) => e.gateway_status === "PAID")!.created_at,
        }),
      ])
      const holdView = await view(holdOrder)
      expect(holdView.payments).toEqual([
        expect.objectContaining({ provider_id: HOLD, name: "RubitPay (two-step)", has_status_call: true, last_gateway_word_at: expect.any(String) }),
      ])
    })
  },
})
