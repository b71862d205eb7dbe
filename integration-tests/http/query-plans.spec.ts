import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { AbstractSqlConnection } from "@mikro-orm/knex"
import axios from "axios"
import { reconcilePendingPayments } from "../../src/jobs/reconcile-pending-payments"
import retryGatewayEventsJob from "../../src/jobs/retry-gateway-events"
import { adminHeaders } from "../helpers/admin"
import { redirectSuite } from "../helpers/redirect-suite"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { createPaymentSession, paidOrder } from "../helpers/storefront"

jest.setTimeout(600_000)

/** A year of a mid-size shop (issue 21); QUERY_PLAN_ROWS=1000000 for a bigger one. */
const HISTORY_ROWS = Number(process.env.QUERY_PLAN_ROWS ?? 200_000)
const PLUGIN_TABLES = ["gateway_event", "gateway_order", "gateway_webhook_refusal", "gateway_paid_without_order"]
const ROMB = "pp_romb_romb"
const RUBITPAY = "pp_rubitpay_rubitpay"

type PlanNode = { "Node Type": string; "Relation Name"?: string; Plans?: PlanNode[] }

function seqScans(node: PlanNode): string[] {
  const own = node["Node Type"] === "Seq Scan" && PLUGIN_TABLES.includes(node["Relation Name"] ?? "") ? [node["Relation Name"]!] : []
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)]
}

/**
 * Every statement the plugin sends about its own tables while a shop with a
 * long history works as usual (checkouts, webhooks, processing, the status
 * route, the jobs, the admin's pages) is read back with EXPLAIN: none may
 * scan a whole table, so its cost stays flat as the history grows.
 */
redirectSuite({
  paymentProviderIds: [ROMB, RUBITPAY],
  testSuite: ({ api, getContainer, store, startPayment }) => {
    const statements = new Set<string>()
    let capturing = false

    beforeAll(async () => {
      const original = AbstractSqlConnection.prototype.execute
      jest.spyOn(AbstractSqlConnection.prototype, "execute").mockImplementation(async function (
        this: AbstractSqlConnection,
        query: any,
        params: unknown[] = [],
        ...rest: any[]
      ) {
        if (capturing) {
          const { sql, bindings } = typeof query === "string" ? { sql: query, bindings: params } : query.toSQL()
          if (PLUGIN_TABLES.some((table) => sql.includes(table))) {
            statements.add(this.getPlatform().formatQuery(sql, bindings ?? []))
          }
        }
        return original.call(this, query, params, ...rest)
      } as any)

      const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
      const t = Date.now()
      // settled history over the providers, the last ones spread over the past year
      await pg.raw(
        `insert into gateway_order (id, provider_id, session_id, payment_collection_id, cart_id, amount, raw_amount, currency_code,
                                    gateway_reference, state, next_check_at, checks, created_at, updated_at)
         select 'gword_h' || g, (array['${ROMB}', '${RUBITPAY}'])[1 + g % 2], 'payses_h' || g, 'pay_col_h' || (g / 2), 'cart_h' || (g / 2),
                1790.5, '{"value":"1790.50","precision":20}', 'rub', 'ref' || g,
                case when g % 10 = 0 then 'dropped' else 'settled' end, null, 1,
                now() - make_interval(secs => g * 150), now() - make_interval(secs => g * 150)
           from generate_series(1, ${HISTORY_ROWS}) g`
      )
      await pg.raw(
        `insert into gateway_event (id, provider_id, event_key, session_id, action, gateway_status, gateway_reference, amount, raw_amount,
                                    currency_code, state, flag_reason, attempts, processed_at, confirmation, payload, created_at, updated_at)
         select 'gwevt_h' || g, (array['${ROMB}', '${RUBITPAY}'])[1 + g % 2], 'ref' || g || ':PAID', 'payses_h' || g, 'captured', 'PAID',
                'ref' || g, 1790.5, '{"value":"1790.50","precision":20}', 'rub', 'processed',
                case when g % 500 = 0 then 'the exchanger froze the order' end, 1, now() - make_interval(secs => g * 150),
                '{"action":"captured"}', '{"status":"PAID"}', now() - make_interval(secs => g * 150), now() - make_interval(secs => g * 150)
           from generate_series(1, ${HISTORY_ROWS}) g`
      )
      await pg.raw("analyze gateway_order; analyze gateway_event")
      console.log(`[query-plans] ${HISTORY_ROWS} gateway orders and events of history written in ${((Date.now() - t) / 1000).toFixed(1)} s`)
      await rombSandbox.reset()
      await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_rubitpay`)
      await rubitPaySandbox.features({ check: true })
    })

    it("no statement on the plugin's tables scans a whole table, with a long history", async () => {
      const admin = await adminHeaders(getContainer(), api)
      capturing = true

      // a checkout: a session with one gateway, then the customer switches to another (the first is dropped)
      const { cart, session: first } = await startPayment(RUBITPAY, { payway: "sbp" })
      await api.post(`/store/carts/${cart.id}`, { email: "changed@example.com" }, store())
      const session = await createPaymentSession(api, cart.id, ROMB)
      expect(session.id).not.toBe(first.id)
      // the return page polls while pending (a status call for RubitPay, the inbox for Romb)
      await api.get(`/store/carts/${cart.id}/payment-status`, store())
      // the customer pays; the webhook is stored, processed, and its copy is a duplicate
      const paid = await rombSandbox.pay(session.data.redirect_url)
      const orderId = await paidOrder(api, cart.id)
      const copy = (await rombSandbox.order(session.id)).webhooks[0]
      await axios.post(copy.url, copy.body, { headers: { "Content-Type": copy.contentType }, transformRequest: [(d) => d] })
      expect(paid).toBeDefined()
      await api.get(`/store/carts/${cart.id}/payment-status`, store())
      // a refused webhook is counted and written
      await axios.post(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`, '{"id":"x"}', {
        headers: { "Content-Type": "application/json" },
        validateStatus: () => true,
      })
      // the jobs
      await reconcilePendingPayments(getContainer(), Date.now() + 10 * 60_000)
      await retryGatewayEventsJob(getContainer())
      // the admin's pages
      await api.get(`/admin/payment-gateways/orders/${orderId}`, admin)
      await api.get("/admin/payment-gateways", admin)
      await api.get("/admin/payment-gateways/paid-without-order", admin)
      for (const query of ["", `?provider_id=${ROMB}`, "?state=failed", "?flagged=true", `?order_id=${orderId}`, "?offset=40&limit=20"]) {
        await api.get(`/admin/payment-gateways/events${query}`, admin)
      }
      await new Promise((r) => setTimeout(r, 6_000)) // the refusal tally is written within 5 s
      capturing = false

      const pg = getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION)
      const scans: Array<{ sql: string; tables: string[] }> = []
      for (const sql of statements) {
        const { rows } = await pg.raw(`explain (format json) ${sql}`)
        const tables = seqScans(rows[0]["QUERY PLAN"][0].Plan)
        if (tables.length) scans.push({ sql: sql.replace(/\s+/g, " ").slice(0, 400), tables })
      }
      console.log(`[query-plans] ${statements.size} distinct statements on the plugin's tables, ${scans.length} with a sequential scan`)
      expect(statements.size).toBeGreaterThan(10)
      expect(scans).toEqual([])
    })
  },
})
