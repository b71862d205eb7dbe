import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { Client } from "@medusajs/framework/pg"
import axios from "axios"
import path from "node:path"
import retryGatewayEventsJob from "../../src/jobs/retry-gateway-events"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { rombSandbox } from "../helpers/romb-sandbox"
import { seedStore, SeededStore } from "../helpers/seed-store"
import { createCartReadyForPayment, createPaymentSession, ordersForCart, waitFor } from "../helpers/storefront"

jest.setTimeout(240_000)

const ROMB = "pp_romb_romb"
const CARTS = 12

/**
 * PostgreSQL lost in the middle of a webhook burst (every connection of the
 * app's database killed, repeatedly): a gateway never gets a 2xx for an event
 * that was not stored, so whatever it was told to retry, it retries; an event
 * stored but whose processing lost the database is the retry job's; and each
 * paid cart ends with exactly one order.
 */
medusaIntegrationTestRunner({
  cwd: path.join(__dirname, "../.."),
  inApp: true,
  testSuite: ({ api, getContainer, dbConfig }) => {
    let seeded: SeededStore

    beforeAll(async () => {
      seeded = await seedStore(getContainer(), { paymentProviderIds: [ROMB] })
    })

    it("answers 2xx only for stored events; the gateway's retries of the others make one order per cart", async () => {
      await rombSandbox.reset()
      await axios.post(`${process.env.SANDBOX_URL}/__control/romb/merchant`, { callbackUrl: null }) // Romb's webhooks are only recorded
      const paid: Array<{ cartId: string; sessionId: string; body: string; contentType: string }> = []
      for (let i = 0; i < CARTS; i++) {
        const cart = await createCartReadyForPayment(api, seeded, { email: `buyer${i}@example.com` })
        const session = await createPaymentSession(api, cart.id, ROMB, {})
        await rombSandbox.pay(session.data.redirect_url)
        const [webhook] = (await rombSandbox.order(session.id)).webhooks
        paid.push({ cartId: cart.id, sessionId: session.id, body: webhook.body, contentType: webhook.contentType })
      }
      const deliver = (webhook: (typeof paid)[number]) =>
        axios
          .post(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`, webhook.body, {
            headers: { "Content-Type": webhook.contentType },
            transformRequest: [(d) => d],
            validateStatus: () => true,
          })
          .then((response) => response.status)
          .catch(() => 0) // the connection itself failed: the gateway retries

      // a separate connection kills every other connection of the app's database, again and again
      const killer = new Client({
        host: process.env.DB_HOST,
        port: Number(process.env.DB_PORT),
        user: process.env.DB_USERNAME,
        password: process.env.DB_PASSWORD,
        database: dbConfig.dbName,
      })
      await killer.connect()
      let killed = 0
      let stop = false
      const chaos = (async () => {
        // the first webhooks get through; from then on the database goes away every 100 ms
        await new Promise((r) => setTimeout(r, 300))
        while (!stop) {
          const { rowCount } = await killer.query(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"
          )
          killed += rowCount ?? 0
          await new Promise((r) => setTimeout(r, 100))
        }
      })()
      // the gateway's burst, spread over a few seconds
      const first = await Promise.all(
        paid.map((webhook, i) => new Promise((r) => setTimeout(r, i * 200)).then(() => deliver(webhook)))
      )
      stop = true
      await chaos
      await killer.end()

      // every 2xx stands for a stored event
      const inbox = getContainer().resolve(GATEWAY_INBOX_MODULE)
      const stored = await waitFor(async () => {
        try {
          return await inbox.listGatewayEvents({ session_id: paid.map((p) => p.sessionId) }, { select: ["session_id"] })
        } catch {
          return undefined // the app's pool is reconnecting
        }
      })
      const storedSessions = new Set(stored.map((event: { session_id: string }) => event.session_id))
      const acknowledged = paid.filter((_, i) => first[i] >= 200 && first[i] < 300)
      for (const webhook of acknowledged) expect(storedSessions).toContain(webhook.sessionId)
      console.log(
        `[database-loss] ${killed} connections killed during the burst; first answers: ` +
          `${acknowledged.length} × 2xx, ${first.filter((s) => s >= 500).length} × 5xx, ${first.filter((s) => s === 0).length} × no answer`
      )
      expect(killed).toBeGreaterThan(0)
      expect(acknowledged.length).toBeGreaterThan(0)

      // the gateway retries what was not acknowledged (and, being a gateway, some of what was)
      for (let attempt = 0; attempt < 10; attempt++) {
        const statuses = await Promise.all(paid.map(deliver))
        if (statuses.every((status) => status === 200)) break
        await new Promise((r) => setTimeout(r, 1000))
      }
      // events stored but whose processing lost the database are the retry job's: let two minutes pass for it
      await getContainer()
        .resolve(ContainerRegistrationKeys.PG_CONNECTION)
        .raw("update gateway_event set updated_at = now() - interval '2 minutes' where state in ('received', 'processing', 'failed')")
      await retryGatewayEventsJob(getContainer())
      for (const webhook of paid) {
        await waitFor(async () => ((await ordersForCart(getContainer(), webhook.cartId)).length ? true : undefined), { timeoutMs: 60_000 })
      }
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      for (const webhook of paid) {
        expect(await ordersForCart(getContainer(), webhook.cartId)).toHaveLength(1)
        const { data } = await query.graph({ entity: "payment", fields: ["id", "captured_at"], filters: { payment_session_id: webhook.sessionId } })
        expect(data).toHaveLength(1)
        expect(data[0].captured_at).toBeTruthy()
      }
      expect(await inbox.listGatewayEvents({ session_id: paid.map((p) => p.sessionId) })).toHaveLength(CARTS)
    })
  },
})
