import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import path from "node:path"
import { seedStore, SeededStore } from "../helpers/seed-store"
import { completeCart, createCartReadyForPayment, createPaymentSession } from "../helpers/storefront"

/**
 * The infrastructure end to end, without any of the plugin's gateways: the
 * real app boots on the test database, the seeded store sells, and a
 * storefront checkout with Medusa's system provider ends in an order.
 */
jest.setTimeout(300_000)

const suiteStarted = Date.now()

medusaIntegrationTestRunner({
  cwd: path.join(__dirname, "../.."),
  inApp: true,
  testSuite: ({ api, getContainer, dbConnection }) => {
    let seeded: SeededStore
    const store = () => ({ headers: { "x-publishable-api-key": seeded.publishableKey } })

    beforeAll(async () => {
      // the runner's own beforeAll (database, migrations, app boot) has run by now
      const booted = Date.now()
      console.log(`[health] app booted in ${((booted - suiteStarted) / 1000).toFixed(1)} s`)
      seeded = await seedStore(getContainer(), { paymentProviderIds: ["pp_system_default"] })
      console.log(`[health] store seeded in ${((Date.now() - booted) / 1000).toFixed(1)} s`)
    })

    it("runs on the PostgreSQL chosen by the global setup", async () => {
      // DB_* reach this file from global-setup.ts: the server actually answering is on DB_PORT
      const { rows } = await dbConnection.raw("select inet_server_port() as port, current_database() as db")
      console.log(`[health] database ${rows[0].db} on port ${rows[0].port} (DB_PORT=${process.env.DB_PORT})`)
      expect(String(rows[0].port)).toBe(process.env.DB_PORT)
      expect(process.env.SANDBOX_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    })

    it("answers /health", async () => {
      const response = await api.get("/health")
      expect(response.status).toBe(200)
    })

    it("checks out a cart with pp_system_default until the order exists", async () => {
      const started = Date.now()
      const cart = await createCartReadyForPayment(api, seeded, { email: "buyer@example.com" })
      expect(cart.region_id).toBe(seeded.regionId)
      expect(cart.currency_code).toBe("rub")
      expect(cart.items).toHaveLength(1)
      expect(cart.shipping_methods).toHaveLength(1)
      // 1490.50 for the samovar + 300 for the courier
      expect(Number(cart.total)).toBeCloseTo(1790.5, 2)

      const session = await createPaymentSession(api, cart.id, "pp_system_default")
      expect(session).toMatchObject({ provider_id: "pp_system_default", status: "pending" })
      expect(Number(session.amount)).toBeCloseTo(1790.5, 2)

      const completed = await completeCart(api, cart.id)
      expect(completed.status).toBe(200)
      expect(completed.body.type).toBe("order")
      const order = completed.body.order
      expect(order).toMatchObject({ email: "buyer@example.com", currency_code: "rub" })
      expect(Number(order.total)).toBeCloseTo(1790.5, 2)

      // the customer sees the order through the Store API, with its payment authorized
      const {
        data: { order: fetched },
      } = await api.get(`/store/orders/${order.id}`, { ...store(), params: { fields: "id,payment_status" } })
      expect(fetched.payment_status).toBe("authorized")
      // and the payment was made with the system provider
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const {
        data: [withPayments],
      } = await query.graph({
        entity: "order",
        fields: ["id", "payment_collections.status", "payment_collections.payments.provider_id"],
        filters: { id: order.id },
      })
      expect(withPayments.payment_collections[0].status).toBe("authorized")
      expect(withPayments.payment_collections[0].payments[0].provider_id).toBe("pp_system_default")

      // a second completion of the same cart returns the same order, not a new one
      const again = await completeCart(api, cart.id)
      expect(again.status).toBe(200)
      expect(again.body.order?.id).toBe(order.id)
      console.log(`[health] checkout to order ${order.id} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    })
  },
})
