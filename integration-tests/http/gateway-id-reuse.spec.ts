import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import axios from "axios"
import { reconcilePendingPayments } from "../../src/jobs/reconcile-pending-payments"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { Migration20261207230440 } from "../../src/modules/gateway-inbox/migrations/Migration20261207230440"
import type GatewayInboxModuleService from "../../src/modules/gateway-inbox/service"
import { rubitPaySignature } from "../../sandbox/signers"
import { adminFeed, adminHeaders } from "../helpers/admin"
import { redirectSuite } from "../helpers/redirect-suite"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { ordersForCart, paidOrder, waitFor } from "../helpers/storefront"

jest.setTimeout(240_000)

const control = () => `${process.env.SANDBOX_URL}/__control`
const asJson = { headers: { Accept: "application/json" } }

type Session = { id: string; data: Record<string, any> }
type Delivery = { url: string; body: string; contentType: string }

/**
 * What the test needs of each gateway's sandbox: how a customer pays, the id
 * the gateway gave the payment, and the notifications it sent about it.
 */
type GatewayUnderTest = {
  providerId: string
  /** Medusa's own webhook route for the provider (`/hooks/payment/{id}`). */
  medusaHook: string
  sessionData: Record<string, unknown>
  /** The gateway's id for the payment, the one its notifications are keyed by. */
  gatewayId: (session: Session) => Promise<string>
  /** The sandbox's id control: the next order it creates gets `id`. */
  reuseNext: string
  pay: (session: Session) => Promise<void>
  deliveries: (session: Session) => Promise<Delivery[]>
}

async function exchangerOrder(session: Session) {
  return (await axios.get(`${control()}/exchanger/obmin/orders/${session.data.gateway_reference}`)).data
}

const GATEWAYS: GatewayUnderTest[] = [
  {
    providerId: "pp_romb_romb",
    medusaHook: "/hooks/payment/romb_romb",
    sessionData: {},
    gatewayId: async (session) => (await rombSandbox.order(session.id)).transactionId,
    reuseNext: "romb/next-gateway-id",
    pay: async (session) => void (await rombSandbox.pay(session.data.redirect_url)),
    deliveries: async (session) => (await rombSandbox.order(session.id)).webhooks,
  },
  {
    providerId: "pp_rubitpay_rubitpay",
    medusaHook: "/hooks/payment/rubitpay_rubitpay",
    sessionData: { payway: "sbp" },
    gatewayId: async (session) => (await rubitPaySandbox.invoice(session.id)).invoice_id,
    reuseNext: "rubitpay/next-gateway-id",
    pay: async (session) => void (await rubitPaySandbox.click(session.data.redirect_url, "pay")),
    deliveries: async (session) => (await rubitPaySandbox.invoice(session.id)).webhooks,
  },
  {
    providerId: "pp_exchanger_obmin",
    medusaHook: "/hooks/payment/exchanger_obmin",
    sessionData: { from_values: { card: "4111111111111111" } },
    gatewayId: async (session) => (await exchangerOrder(session))._id,
    reuseNext: "exchanger/obmin/next-gateway-id",
    // the exchanger accepts the payment (authorized), then pays the merchant out (captured)
    pay: async (session) => {
      await axios.post(`${session.data.redirect_url}/inProgressPayout`, null, asJson)
      await axios.post(`${session.data.redirect_url}/done`, null, asJson)
    },
    deliveries: async (session) => (await exchangerOrder(session)).ipns,
  },
]

/**
 * A gateway id is not unique forever: a sandbox shop that goes live on the
 * same database, a renumbered gateway, a reinstalled exchanger site, staging
 * data restored into production. Two notifications are the same only when the
 * provider, the session, the gateway's id and the outcome all agree.
 */
redirectSuite({
  paymentProviderIds: GATEWAYS.map((g) => g.providerId),
  testSuite: ({ api, getContainer, startPayment }) => {
    let admin: { headers: Record<string, string> }

    beforeAll(async () => {
      admin = await adminHeaders(getContainer(), api)
    })
    beforeEach(async () => {
      await axios.post(`${control()}/reset`)
      await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_rubitpay`)
    })

    const inbox = () => getContainer().resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    const events = (sessionId: string) => inbox().listGatewayEvents({ session_id: sessionId })

    async function captures(orderId: string) {
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "order",
        fields: ["payment_collections.payments.id", "payment_collections.payments.captures.id"],
        filters: { id: orderId },
      })
      const payments = (data[0] as any).payment_collections.flatMap((c: any) => c.payments)
      return { payments: payments.length, captures: payments.flatMap((p: any) => p.captures ?? []).length }
    }

    /** A paid checkout: its order, captured once, and every event processed. */
    async function paidCheckout(gateway: GatewayUnderTest) {
      const { cart, session } = await startPayment(gateway.providerId, gateway.sessionData)
      await gateway.pay(session)
      const orderId = await paidOrder(api, cart.id)
      await waitFor(async () => ((await captures(orderId)).captures === 1 ? true : undefined))
      await waitFor(async () => ((await events(session.id)).every((e) => ["processed", "ignored"].includes(e.state)) ? true : undefined))
      return { cart, session, orderId }
    }

    const replay = (delivery: Delivery, url = delivery.url) =>
      axios.post(url, delivery.body, {
        headers: { "Content-Type": delivery.contentType },
        transformRequest: [(data) => data],
        validateStatus: () => true,
      })

    describe.each(GATEWAYS.map((g) => [g.providerId, g] as const))("%s", (_name, gateway) => {
      it("two sessions paid under the same gateway id each get one order, captured once; copies of either make nothing more", async () => {
        const first = await paidCheckout(gateway)
        const reused = await gateway.gatewayId(first.session)
        const firstEvents = await events(first.session.id)

        // the gateway hands the next payment the id it already gave the first
        await axios.post(`${control()}/${gateway.reuseNext}`, { id: reused })
        const second = await paidCheckout(gateway)
        expect(await gateway.gatewayId(second.session)).toBe(reused)
        expect(second.orderId).not.toBe(first.orderId)

        // processed on its own, and the operator is told the id was reused (on the order and in the feed)
        const secondEvents = await events(second.session.id)
        expect(secondEvents.length).toBeGreaterThan(0)
        expect(secondEvents.every((e) => e.state === "processed")).toBe(true)
        expect(secondEvents.map((e) => e.flag_reason)).toContainEqual(
          expect.stringContaining(`for payment session ${first.session.id} before: it reused an id`)
        )
        const feed = await waitFor(async () => {
          const notifications = await adminFeed(api, admin)
          return notifications.find((n: any) => n.data.description.includes(second.session.id)) ? notifications : undefined
        })
        expect(feed.find((n: any) => n.data.description.includes(second.session.id)).data.description).toMatch(/reused an id/)
        const { data: widget } = await api.get(`/admin/payment-gateways/orders/${second.orderId}`, admin)
        expect(JSON.stringify(widget)).toMatch(/reused an id/)

        // every copy of both sessions' notifications, through both webhook URLs, the first's after the second's
        const secondDeliveries = await gateway.deliveries(second.session)
        const firstDeliveries = await gateway.deliveries(first.session)
        expect(firstDeliveries.length).toBeGreaterThan(0)
        for (const delivery of [...secondDeliveries, ...firstDeliveries, ...secondDeliveries]) {
          const answer = await replay(delivery)
          expect(answer.status).toBe(200)
          expect(answer.data).toEqual(expect.objectContaining({ received: true, duplicate: true }))
        }
        for (const delivery of firstDeliveries) {
          expect((await replay(delivery, `${api.defaults.baseURL}${gateway.medusaHook}`)).status).toBe(200)
        }
        // Medusa's route hands the copies to its subscriber: give it time to have stored anything it would
        await new Promise((r) => setTimeout(r, 2_000))

        expect((await events(first.session.id)).map((e) => e.id).sort()).toEqual(firstEvents.map((e) => e.id).sort())
        expect((await events(second.session.id)).map((e) => e.id).sort()).toEqual(secondEvents.map((e) => e.id).sort())
        for (const checkout of [first, second]) {
          expect(await ordersForCart(getContainer(), checkout.cart.id)).toHaveLength(1)
          expect(await captures(checkout.orderId)).toEqual({ payments: 1, captures: 1 })
        }
      })
    })

    it("RubitPay: a reused invoice id whose every notification is lost is still found by the status call", async () => {
      const rubitpay = GATEWAYS[1]
      const first = await paidCheckout(rubitpay)
      await axios.post(`${control()}/rubitpay/next-gateway-id`, { id: await rubitpay.gatewayId(first.session) })
      await rubitPaySandbox.features({ check: true })
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", null)
      const { cart, session } = await startPayment(rubitpay.providerId, rubitpay.sessionData)
      await rubitpay.pay(session)
      expect(await events(session.id)).toHaveLength(0)

      const recorded = await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)
      expect(recorded).toHaveLength(1)
      const orderId = await paidOrder(api, cart.id)
      await waitFor(async () => ((await captures(orderId)).captures === 1 ? true : undefined))
      const [event] = await events(session.id)
      expect(event.flag_reason).toContain(`for payment session ${first.session.id} before`)
      expect(await captures(first.orderId)).toEqual({ payments: 1, captures: 1 })
    })

    /** The SQL the inbox's dedupe migration runs in one direction, on the suite's database. */
    async function migrateDedupeIndex(direction: "up" | "down") {
      const migration = new Migration20261207230440(undefined as never, undefined as never)
      await migration[direction]()
      const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
      await pg.transaction(async (trx: any) => {
        for (const sql of migration.getQueries()) await trx.raw(sql)
      })
    }
    async function eventIndexes() {
      const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
      const { rows } = await pg.raw(`select indexname from pg_indexes where tablename = 'gateway_event' and indexname like '%unique'`)
      return rows.map((r: { indexname: string }) => r.indexname)
    }

    it("events stored before the upgrade dedupe the copies that arrive after it", async () => {
      const romb = GATEWAYS[0]
      const { cart, session, orderId } = await paidCheckout(romb)
      const stored = await events(session.id)
      // the database as it was before: one event per gateway id and outcome
      await migrateDedupeIndex("down")
      expect(await eventIndexes()).toEqual(["IDX_gateway_event_provider_id_event_key_unique"])
      await migrateDedupeIndex("up")
      expect(await eventIndexes()).toEqual(["IDX_gateway_event_provider_id_event_key_session_id_unique"])

      for (const delivery of await romb.deliveries(session)) {
        expect((await replay(delivery)).data).toEqual(expect.objectContaining({ duplicate: true }))
      }
      expect((await events(session.id)).map((e) => e.id)).toEqual(stored.map((e) => e.id))
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
      expect(await captures(orderId)).toEqual({ payments: 1, captures: 1 })
    })

    it("the same event for the same session with other money is flagged for the operator, never taken as a copy", async () => {
      const rubitpay = GATEWAYS[1]
      const { session, orderId } = await paidCheckout(rubitpay)
      const [paid] = await rubitpay.deliveries(session)
      // the gateway signs the same invoice and outcome again, with another amount
      const fields = { ...JSON.parse(paid.body), amount: "1.00" }
      fields.sign = rubitPaySignature(fields, "sandbox-rubitpay-secret")
      const answer = await replay({ ...paid, body: JSON.stringify(fields) })
      expect(answer.status).toBe(200)
      expect(answer.data.duplicate).toBeUndefined()
      expect(answer.data.flagged).toMatch(/amount 1\.00 differs from the session's/)
      const flagged = (await events(session.id)).find((e) => e.id === answer.data.event_id)
      expect(flagged).toEqual(expect.objectContaining({ state: "flagged", action: "captured" }))
      // the original copy is still just a copy, and nothing more was captured
      expect((await replay(paid)).data).toEqual(expect.objectContaining({ duplicate: true }))
      expect(await captures(orderId)).toEqual({ payments: 1, captures: 1 })
    })
  },
})
