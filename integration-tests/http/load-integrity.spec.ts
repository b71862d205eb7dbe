import axios, { AxiosInstance } from "axios"
import { Pool } from "@medusajs/framework/pg"
import {
  createAdminUser,
  MedusaInstance,
  medusaProcesses,
  MedusaProcesses,
  PreparedDatabase,
  prepareDatabase,
  redisSuite,
  startRedis,
  TestRedis,
} from "../helpers/medusa-process"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import type { SeededStore } from "../helpers/seed-store"
import { completeCart, createCartReadyForPayment, createPaymentSession, paymentStatus } from "../helpers/storefront"
import { keyedPrng, RelayedNotification, startWebhookRelay, WebhookRelay } from "../helpers/webhook-relay"
// CPU time of process groups and PostgreSQL backends from /proc, as `npm run bench` measures it
// eslint-disable-next-line @typescript-eslint/no-var-requires
const proc = require("../../scripts/bench/proc")

/**
 * Load with integrity: many checkouts across the three gateways on two
 * `shared` instances of the app (HTTP, subscribers and jobs each; one
 * PostgreSQL database, Medusa's Redis modules), the customer paying,
 * declining or abandoning at the sandbox, and every gateway notification
 * going through a chaos relay (webhook-relay.ts): answered at once, then 10%
 * lost, the rest delivered once or three times, late and out of order, to
 * either instance. Some storefronts complete the cart or poll its payment
 * status right after the customer returns, racing the webhooks. The merchant
 * captures half of the two-step holds. Reconciliation (status calls: RubitPay,
 * the exchangers; Romb has none) recovers what it can.
 *
 * Then, read with SQL from the shared database against what the test itself
 * knows (what the customer did, which notification copies reached the app):
 * every paid cart has exactly one order with one capture (a hold: authorized,
 * captured only if the merchant captured it), every unpaid cart none, no cart
 * two orders, no payment two captures, no refund; a paid Romb cart whose
 * every notification was lost is counted as not recoverable and must have
 * nothing claimed for it. Each gateway's own record of each payment must still
 * be what the customer (and the merchant's capture) left, and the storefront's
 * status route must tell every cart's truth. The tally is printed and written
 * to .test-data/load-integrity-results.json.
 *
 * Environment: LOAD_CHECKOUTS (default 500), LOAD_CONCURRENCY (12), LOAD_SEED
 * (printed; replays the customers' choices and the relay's chaos, not the
 * timing), LOAD_SETTLE_SECONDS (240), LOAD_REDIS_DB (8: not multi-instance's
 * 7), LOAD_KEEP_DATABASE=1 (keep the database for a look afterwards).
 */

jest.setTimeout(1_200_000)

const CHECKOUTS = Number(process.env.LOAD_CHECKOUTS ?? 500)
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 12)
const SEED = process.env.LOAD_SEED ? Number(process.env.LOAD_SEED) : Math.floor(Math.random() * 2 ** 31)
const SETTLE_MS = Number(process.env.LOAD_SETTLE_SECONDS ?? 240) * 1000
/** The status-call providers' `reconcileAfterSeconds` (medusa-config.ts reads RECONCILE_AFTER_SECONDS). */
const RECONCILE_AFTER_SECONDS = 10
const CHAOS = { dropRate: 0.1, tripleRate: 0.3, maxDelayMs: 5000, retryDelaysMs: [1000, 2000, 4000] }
const ADMIN = { email: "load-admin@example.com", password: "load-admin-password" }

type Gateway = "romb" | "rubitpay" | "exchanger"
type Provider = {
  id: string
  /** The hook path's `{identifier}_{id}`. */
  hook: string
  gateway: Gateway
  hasStatusCall: boolean
  twoStep?: boolean
  /** RubitPay: the sandbox shop whose callback URL the relay is. */
  shop?: string
  /** Gateway statuses that move money (their notification reaching the app makes the order). */
  moneyStatuses: string[]
}

const PROVIDERS: Provider[] = [
  { id: "pp_romb_romb", hook: "romb_romb", gateway: "romb", hasStatusCall: false, moneyStatuses: ["PAID"] },
  { id: "pp_rubitpay_rubitpay", hook: "rubitpay_rubitpay", gateway: "rubitpay", hasStatusCall: true, shop: "sandbox-rubitpay-shop", moneyStatuses: ["success"] },
  { id: "pp_rubitpay_hold", hook: "rubitpay_hold", gateway: "rubitpay", hasStatusCall: true, twoStep: true, shop: "sandbox-rubitpay-hold-shop", moneyStatuses: ["hold"] },
  { id: "pp_exchanger_obmin", hook: "exchanger_obmin", gateway: "exchanger", hasStatusCall: true, moneyStatuses: ["inProgressPayout", "done"] },
  { id: "pp_exchanger_pocketbank", hook: "exchanger_pocketbank", gateway: "exchanger", hasStatusCall: true, moneyStatuses: ["inProgressPayout", "done"] },
]

/** What the customer does at the gateway's page. */
type CustomerAction = "pay" | "decline" | "cancel" | "abandon"
/** What the storefront does after the customer returns: nothing (waits for the email), complete the cart, or poll the payment status. */
type StorefrontAction = "none" | "complete" | "poll"

type Plan = {
  index: number
  provider: Provider
  action: CustomerAction
  storefront: StorefrontAction
  /** The instances (0, 1) the checkout and the return page talk to. */
  instance: number
  returnInstance: number
  /** Two-step: the merchant captures the hold in the admin. */
  merchantCaptures: boolean
}

/** What the gateway's page answers the customer: the payment's status afterwards. */
const EXPECTED_GATEWAY_STATUS: Record<Gateway, Partial<Record<CustomerAction, string>>> = {
  romb: { pay: "PAID", decline: "CANCELED" },
  rubitpay: { pay: "success", decline: "fail" },
  exchanger: { pay: "done", decline: "errorPayment", cancel: "deleted" },
}

function planCheckout(index: number): Plan {
  const random = keyedPrng(SEED, `plan|${index}`)
  const provider = PROVIDERS[index % PROVIDERS.length]
  const roll = random()
  const action: CustomerAction =
    roll < 0.75 ? "pay" : roll < 0.87 ? (provider.gateway === "exchanger" && random() < 0.5 ? "cancel" : "decline") : "abandon"
  const race = random()
  const storefront: StorefrontAction =
    action === "pay" ? (race < 0.15 ? "complete" : race < 0.3 ? "poll" : "none") : race < 0.2 ? "complete" : "none"
  return {
    index,
    provider,
    action,
    storefront,
    instance: index % 2,
    returnInstance: random() < 0.5 ? 0 : 1,
    merchantCaptures: !!provider.twoStep && action === "pay" && random() < 0.5,
  }
}

type Checkout = Plan & {
  cartId?: string
  sessionId?: string
  /** The gateway's status after the customer acted (its page's answer). */
  gatewayStatus?: string
  /** `POST /store/carts/:id/complete`: HTTP status and the answer's `type` (order, or cart with an error). */
  completeAnswer?: string
  /** The last payment status the storefront saw while polling. */
  polled?: string
  /** The admin's capture of a hold: its HTTP status. */
  captureStatus?: number
  error?: string
  ms?: number
  /** Milliseconds per step: cart (cart + shipping), session, gateway (the customer), storefront (complete, poll). */
  steps?: Record<string, number>
}

const { plan: redisPlan, test, results, report, saveResults } = redisSuite("load-integrity", {
  db: Number(process.env.LOAD_REDIS_DB ?? 8),
  results: { seed: SEED, checkouts: CHECKOUTS, concurrency: CONCURRENCY, chaos: CHAOS },
})

const sandbox = () => process.env.SANDBOX_URL!
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const describeError = (error: any) =>
  error?.response ? `HTTP ${error.response.status} ${JSON.stringify(error.response.data).slice(0, 300)}` : String(error?.message ?? error)

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        results[i] = await work(items[i])
      }
    })
  )
  return results
}

/** CPU seconds spent so far by each instance's process group, this test process (sandbox, relay, customers), the database's backends, and the whole machine. */
type CpuSnapshot = { instances: number[]; test: number; postgres: Map<number, number>; machine: number }
function cpuSnapshot(instances: MedusaInstance[], backendPids: number[]): CpuSnapshot {
  const { user, system } = process.cpuUsage()
  return {
    instances: instances.map((instance) => proc.groupCpuMs(instance.pid)),
    test: (user + system) / 1000,
    postgres: proc.cpuSnapshot(backendPids),
    machine: proc.machineBusyMs(),
  }
}
function cpuSince(before: CpuSnapshot, instances: MedusaInstance[], backendPids: number[], wallMs: number) {
  const after = cpuSnapshot(instances, [])
  const s = (ms: number) => Number((ms / 1000).toFixed(1))
  const ours = {
    ...Object.fromEntries(instances.map((instance, i) => [instance.name, s(after.instances[i] - before.instances[i])])),
    test: s(after.test - before.test),
    postgres: s(proc.cpuSince(before.postgres, backendPids)),
  }
  const total = Object.values(ours).reduce((sum, v) => sum + v, 0)
  return { cpuSeconds: { ...ours, total: Number(total.toFixed(1)) }, machineBusySeconds: s(after.machine - before.machine), wallSeconds: s(wallMs) }
}


describe("load with integrity: checkouts on two instances, webhooks late, tripled, out of order and lost", () => {
  let redis: TestRedis | undefined
  let database: PreparedDatabase | undefined
  let relay: WebhookRelay | undefined
  let processes: MedusaProcesses | undefined
  let instances: MedusaInstance[] = []
  let apis: AxiosInstance[] = []
  let store: SeededStore
  let db: InstanceType<typeof Pool>
  let adminToken = ""
  const checkouts: Checkout[] = []
  /** The merchant's captures of holds, running while the load goes on; they give up at captureDeadline (set once the load is over). */
  const merchantCaptures: Array<Promise<void>> = []
  let captureDeadline = Infinity

  const sql = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> => (await db.query(text, values)).rows
  const backendPids = async () =>
    (await sql<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`)).map((r) => r.pid)

  beforeAll(async () => {
    if (redisPlan.kind === "none") return
    console.log(`[load-integrity] seed ${SEED} (replay with LOAD_SEED=${SEED}); ${CHECKOUTS} checkouts, ${CONCURRENCY} at a time`)
    const t = Date.now()
    redis = await startRedis(redisPlan)
    relay = await startWebhookRelay({ seed: SEED, ...CHAOS })
    const name = `${process.env.DB_TEMP_NAME ?? "redirect-payments"}-load`
    database = await prepareDatabase(name, { providerIds: PROVIDERS.map((p) => p.id), env: { REDIS_URL: redis.url } })
    store = database.store
    db = new Pool({ connectionString: database.url, max: 4 })
    processes = medusaProcesses({ databaseUrl: database.url, redisUrl: redis.url })
    // the exchangers' IPN URL is built from MEDUSA_BACKEND_URL: the relay
    const env = { MEDUSA_BACKEND_URL: relay.url, RECONCILE_AFTER_SECONDS: String(RECONCILE_AFTER_SECONDS) }
    const bootStarted = Date.now()
    const booted = await Promise.all([
      processes.start("load-1", "shared", { env }),
      processes.start("load-2", "shared", { env }),
      createAdminUser(database, { ...ADMIN, env: { REDIS_URL: redis.url } }),
    ])
    instances = [booted[0], booted[1]]
    apis = instances.map((instance) => axios.create({ baseURL: instance.url }))
    relay.setTargets(instances.map((instance) => instance.url))
    adminToken = (await apis[0].post("/auth/user/emailpass", ADMIN)).data.token

    await axios.post(`${sandbox()}/__control/reset`)
    // RubitPay's engine status call (reconciliation) and invoice ids in its answers, as on the real engine
    await rubitPaySandbox.features({ check: true, invoiceId: true })
    await rombSandbox.setCallbackUrl(`${relay.url}/hooks/payment-gateways/romb_romb`)
    for (const provider of PROVIDERS.filter((p) => p.shop)) {
      await rubitPaySandbox.setCallbackUrl(provider.shop!, `${relay.url}/hooks/payment-gateways/${provider.hook}`)
    }
    report("setup", {
      redis: redis.description,
      database: `${name}: migrated in ${database.timings.migrate.toFixed(1)} s, seeded in ${database.timings.seed.toFixed(1)} s`,
      instances: "load-1, load-2: shared (HTTP, subscribers and scheduled jobs on both)",
      boot: seconds(Date.now() - bootStarted),
      total: seconds(Date.now() - t),
    })
  }, 600_000)

  afterAll(async () => {
    await processes?.stopAll(10_000)
    await relay?.close()
    await db?.end().catch(() => undefined)
    if (process.env.LOAD_KEEP_DATABASE === "1") console.log(`[load-integrity] database kept: ${database?.url}`)
    else await database?.drop().catch(() => undefined)
    await redis?.stop()
    await axios.post(`${sandbox()}/__control/reset`).catch(() => undefined)
    saveResults()
  })

  /* ------------------------------------------------------------ the customer and the storefront */

  /** The customer's click on the gateway's page (JSON, as a scripted client); the gateway's status afterwards. */
  async function customerActs(provider: Provider, action: CustomerAction, redirectUrl: string): Promise<string | undefined> {
    if (action === "abandon") return undefined
    if (provider.gateway === "romb") {
      return (action === "pay" ? await rombSandbox.pay(redirectUrl) : await rombSandbox.decline(redirectUrl)).status
    }
    if (provider.gateway === "rubitpay") {
      return (await rubitPaySandbox.click(redirectUrl, action === "pay" ? (provider.twoStep ? "hold" : "pay") : "decline")).status
    }
    // the exchanger's "I have paid" walks inProgress -> inProgressPayout -> done, one IPN each
    return (await axios.post(`${redirectUrl}/${action}`, null, { headers: { Accept: "application/json" } })).data.status
  }

  /** The return page: polls the payment status every 2 s until it is no longer pending (the customer gives up after 10 s). */
  async function pollStatus(api: AxiosInstance, cartId: string): Promise<string> {
    const deadline = Date.now() + 10_000
    for (;;) {
      const { status } = await paymentStatus(api, cartId, store)
      if (status !== "pending" || Date.now() > deadline) return status
      await sleep(2000)
    }
  }

  async function runCheckout(plan: Plan): Promise<Checkout> {
    const record: Checkout = { ...plan, steps: {} }
    const started = Date.now()
    let stepStarted = started
    const step = (name: string) => {
      record.steps![name] = Date.now() - stepStarted
      stepStarted = Date.now()
    }
    try {
      const api = apis[plan.instance]
      const cart = await createCartReadyForPayment(api, store, { email: `buyer${plan.index}@example.com` })
      record.cartId = cart.id
      step("cart")
      const input = plan.provider.gateway === "exchanger" ? { from_values: { card: "4111111111111111" } } : {}
      const session = await createPaymentSession(api, cart.id, plan.provider.id, input, store)
      record.sessionId = session.id
      relay!.label(session.id, `checkout-${plan.index}`)
      step("session")
      record.gatewayStatus = await customerActs(plan.provider, plan.action, session.data.redirect_url)
      step("gateway")
      // the merchant captures the hold as soon as its order shows up in the admin, in the background
      if (plan.merchantCaptures) merchantCaptures.push(merchantCapture(record))
      const back = apis[plan.returnInstance]
      if (plan.storefront === "complete") {
        const completed = await completeCart(back, cart.id, store)
        record.completeAnswer = `${completed.status} ${completed.body?.type ?? completed.body?.message ?? ""}`.trim()
        if (plan.action === "pay") record.polled = await pollStatus(back, cart.id)
      } else if (plan.storefront === "poll") {
        record.polled = await pollStatus(back, cart.id)
      }
      if (plan.storefront !== "none") step("storefront")
    } catch (error) {
      record.error = describeError(error)
    }
    record.ms = Date.now() - started
    return record
  }

  /** The merchant captures a hold in the admin, once its order exists (the hold's notification or reconciliation made it). */
  async function merchantCapture(checkout: Checkout) {
    for (;;) {
      await sleep(2000)
      const [payment] = await sql(`select id from payment where payment_session_id = $1 and deleted_at is null`, [checkout.sessionId])
      const [order] = await sql(`select order_id from order_cart where cart_id = $1 and deleted_at is null`, [checkout.cartId])
      if (payment && order) {
        const response = await apis[checkout.returnInstance].post(`/admin/payments/${payment.id}/capture`, {}, {
          headers: { authorization: `Bearer ${adminToken}` },
          validateStatus: () => true,
        })
        checkout.captureStatus = response.status
        return
      }
      if (Date.now() > captureDeadline) {
        checkout.captureStatus = 0
        return
      }
    }
  }

  /* ------------------------------------------------------------ what the database says */

  type CartFacts = {
    cart_id: string
    orders: number
    order_id: string | null
    payments: number
    captures: number
    refunds: number
    captured_payments: number
    canceled_payments: number
    /** Captured amount equals the payment's amount, for every capture. */
    captures_whole: boolean
    session_status: string | null
    money_events: number
    status_call_events: number
    open_events: number
    failed_events: number
    flagged_events: number
    /** Events that needed more than one processing attempt (a failure, then the retry job). */
    retried_events: number
  }

  async function cartFacts(list: Checkout[]): Promise<Map<string, CartFacts>> {
    const rows = await sql<CartFacts>(
      `with c as (select * from unnest($1::text[], $2::text[]) as t(cart_id, session_id)),
            p as (select cpc.cart_id, pay.* from cart_payment_collection cpc
                    join payment pay on pay.payment_collection_id = cpc.payment_collection_id and pay.deleted_at is null
                   where cpc.deleted_at is null and cpc.cart_id = any($1::text[]))
       select c.cart_id,
              (select count(*)::int from order_cart oc where oc.cart_id = c.cart_id and oc.deleted_at is null) as orders,
              (select min(oc.order_id) from order_cart oc where oc.cart_id = c.cart_id and oc.deleted_at is null) as order_id,
              (select count(*)::int from p where p.cart_id = c.cart_id) as payments,
              (select count(*)::int from p join capture cap on cap.payment_id = p.id and cap.deleted_at is null where p.cart_id = c.cart_id) as captures,
              (select count(*)::int from p join refund r on r.payment_id = p.id and r.deleted_at is null where p.cart_id = c.cart_id) as refunds,
              (select count(*)::int from p where p.cart_id = c.cart_id and p.captured_at is not null) as captured_payments,
              (select count(*)::int from p where p.cart_id = c.cart_id and p.canceled_at is not null) as canceled_payments,
              (select coalesce(bool_and(cap.amount = p.amount), true) from p join capture cap on cap.payment_id = p.id and cap.deleted_at is null
                where p.cart_id = c.cart_id) as captures_whole,
              (select ps.status from payment_session ps where ps.id = c.session_id) as session_status,
              (select count(*)::int from gateway_event e where e.session_id = c.session_id and e.deleted_at is null
                and e.action in ('authorized', 'captured') and e.state = 'processed') as money_events,
              (select count(*)::int from gateway_event e where e.session_id = c.session_id and e.deleted_at is null
                and e.payload->>'source' = 'reconciliation') as status_call_events,
              (select count(*)::int from gateway_event e where e.session_id = c.session_id and e.deleted_at is null
                and e.state in ('received', 'processing')) as open_events,
              (select count(*)::int from gateway_event e where e.session_id = c.session_id and e.deleted_at is null and e.state = 'failed') as failed_events,
              (select count(*)::int from gateway_event e where e.session_id = c.session_id and e.deleted_at is null and e.state = 'flagged') as flagged_events,
              (select count(*)::int from gateway_event e where e.session_id = c.session_id and e.deleted_at is null and e.attempts > 1) as retried_events
         from c`,
      [list.map((c) => c.cartId), list.map((c) => c.sessionId)]
    )
    return new Map(rows.map((row) => [row.cart_id, row]))
  }

  /* ------------------------------------------------------------ the truth, from the test's own records */

  /** The relay's notifications for a session. */
  const notificationsBySession = () => {
    const map = new Map<string, RelayedNotification[]>()
    for (const n of relay!.notifications) {
      if (!n.sessionId) continue
      map.set(n.sessionId, [...(map.get(n.sessionId) ?? []), n])
    }
    return map
  }

  type Expectation =
    /** One order, one payment, `captures` captures. */
    | { kind: "order"; captures: 0 | 1 }
    /** Paid at Romb, every notification lost: nothing can know (Romb has no status call). */
    | { kind: "unrecoverable" }
    /** Not paid: no order, no payment. */
    | { kind: "none" }

  function expectationOf(checkout: Checkout, reached: boolean): Expectation {
    if (checkout.action !== "pay") return { kind: "none" }
    if (!checkout.provider.hasStatusCall && !reached) return { kind: "unrecoverable" }
    return { kind: "order", captures: checkout.provider.twoStep && checkout.captureStatus !== 200 ? 0 : 1 }
  }

  /** Whether at least one copy of a money notification for the session reached an instance (2xx). */
  const moneyReached = (checkout: Checkout, notifications: RelayedNotification[]) =>
    notifications.some((n) => checkout.provider.moneyStatuses.includes(n.status ?? "") && n.copies.some((c) => c.delivered))

  /** Whether at least one copy of the notification the customer's decline caused reached an instance. */
  const endingReached = (notifications: RelayedNotification[], status: string | undefined) =>
    notifications.some((n) => n.status === status && n.copies.some((c) => c.delivered))

  /** Whether the cart's state is what the truth demands (for the settling loop; the assertions say what is wrong). */
  function satisfied(expectation: Expectation, facts: CartFacts | undefined): boolean {
    if (!facts) return false
    // a failed event is retried by the retry job (backoff from a minute): wait for it too
    if (facts.open_events || facts.failed_events) return false
    if (expectation.kind === "order") return facts.orders === 1 && facts.captures === expectation.captures
    return true
  }

  /** What each gateway (the sandbox) says now about every payment it has: its status and refunds, by Medusa payment session. */
  async function gatewayRecords(): Promise<Map<string, { status: string; refunds: number }>> {
    const records = new Map<string, { status: string; refunds: number }>()
    for (const order of await rombSandbox.orders()) records.set(order.orderNumber, { status: order.status, refunds: 0 })
    for (const invoice of await rubitPaySandbox.invoices()) records.set(invoice.shop_order_id, { status: invoice.status, refunds: invoice.refunds.length })
    for (const site of ["obmin", "pocketbank"]) {
      for (const order of (await axios.get(`${sandbox()}/__control/exchanger/${site}/orders`)).data) {
        const sessionId = new URL(order.ipnUrl).searchParams.get("session_id")
        if (sessionId) records.set(sessionId, { status: order.status, refunds: 0 })
      }
    }
    return records
  }

  /** The gateway's status the customer (and, for a hold, the merchant's capture) left the payment in; nobody else may change it. */
  function expectedAtGateway(checkout: Checkout): string {
    if (checkout.action === "abandon") return { romb: "WAIT", rubitpay: "created", exchanger: "new" }[checkout.provider.gateway]
    if (checkout.captureStatus === 200) return "success"
    return checkout.gatewayStatus!
  }

  /* ------------------------------------------------------------ the test */

  test(`${CHECKOUTS} checkouts across Romb, RubitPay (single- and two-step) and both exchangers: every paid cart one order and one capture, every unpaid cart none`, async () => {
    // the customers
    const plans = Array.from({ length: CHECKOUTS }, (_, i) => planCheckout(i))
    let t = Date.now()
    const loadStarted = t
    const cpuAtStart = cpuSnapshot(instances, await backendPids())
    checkouts.push(...(await pool(plans, CONCURRENCY, runCheckout)))
    const loadMs = Date.now() - t
    report("load CPU", cpuSince(cpuAtStart, instances, await backendPids(), loadMs))
    const percentiles = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b)
      return { p50: sorted[Math.floor(sorted.length / 2)], p95: sorted[Math.floor(sorted.length * 0.95)], max: sorted[sorted.length - 1] }
    }
    report("load", {
      wall: seconds(loadMs),
      checkoutsPerSecond: Number((CHECKOUTS / (loadMs / 1000)).toFixed(2)),
      checkoutMs: percentiles(checkouts.map((c) => c.ms!)),
      stepMs: Object.fromEntries(
        ["cart", "session", "gateway", "storefront"].map((name) => [
          name,
          percentiles(checkouts.flatMap((c) => (c.steps?.[name] === undefined ? [] : [c.steps[name]]))),
        ])
      ),
    })
    // what went wrong on the way is a problem too, but the carts that could be checked still are, and the tally is printed
    const problems: string[] = []
    for (const c of checkouts.filter((c) => c.error)) problems.push(`#${c.index} ${c.provider.id} ${c.action}: the checkout failed: ${c.error}`)
    // the gateway's page did what the customer asked
    for (const c of checkouts.filter((c) => !c.error)) {
      const expected = c.provider.twoStep && c.action === "pay" ? "hold" : EXPECTED_GATEWAY_STATUS[c.provider.gateway][c.action]
      if (c.gatewayStatus !== expected) problems.push(`#${c.index} ${c.provider.id} ${c.action}: the gateway's page answered ${c.gatewayStatus}, not ${expected}`)
    }
    // only carts whose customer did what was planned can be judged
    const judged = checkouts.filter((c) => c.sessionId && (c.action === "abandon" || c.gatewayStatus))

    // the merchant's captures of half of the holds (started during the load, once each order showed up)
    t = Date.now()
    captureDeadline = t + SETTLE_MS / 2
    await Promise.all(merchantCaptures)
    const toCapture = checkouts.filter((c) => c.merchantCaptures)
    report("merchant captures", { holds: toCapture.length, answers: tally(toCapture.map((c) => String(c.captureStatus))), waitedAfterLoad: seconds(Date.now() - t) })
    for (const c of toCapture.filter((c) => c.captureStatus !== 200)) {
      problems.push(`#${c.index} ${c.provider.id} cart ${c.cartId}: the merchant could not capture the hold (${c.captureStatus === 0 ? "no order or payment to capture" : `HTTP ${c.captureStatus}`})`)
    }

    // every notification's copies delivered or given up
    t = Date.now()
    await relay!.idle()
    const relayIdleMs = Date.now() - t

    // reconciliation and the retry job: wait until the truth is reached, or the deadline
    t = Date.now()
    let bySession = notificationsBySession()
    const truth = () =>
      judged.map((c) => {
        const notifications = bySession.get(c.sessionId!) ?? []
        const reached = moneyReached(c, notifications)
        return { checkout: c, notifications, reached, expectation: expectationOf(c, reached) }
      })
    let facts = await cartFacts(judged)
    let missing = truth().filter((x) => !satisfied(x.expectation, facts.get(x.checkout.cartId!)))
    while (missing.length && Date.now() - t < SETTLE_MS) {
      await sleep(2000)
      bySession = notificationsBySession()
      facts = await cartFacts(judged)
      missing = truth().filter((x) => !satisfied(x.expectation, facts.get(x.checkout.cartId!)))
    }
    // a last look after a pause: nothing more may happen (a late second capture, an order for an unpaid cart)
    await sleep(3000)
    facts = await cartFacts(judged)
    const settleMs = Date.now() - t
    report("settling", { relayIdle: seconds(relayIdleMs), untilTruth: seconds(settleMs), stillMissing: missing.length })
    report("load to settled, CPU", cpuSince(cpuAtStart, instances, await backendPids(), Date.now() - loadStarted))

    // what the storefront's status route says about every cart, from either instance
    const seen = await pool(judged, 8, async (c) => (await paymentStatus(apis[c.index % 2 ? 0 : 1], c.cartId!, store)) as { status: string; order_id?: string })

    /* ---------------------------------------------------------- the tally */

    const rows = truth().map((x, i) => ({ ...x, facts: facts.get(x.checkout.cartId!)!, seen: seen[i] }))
    const table = PROVIDERS.map((provider) => {
      const mine = rows.filter((r) => r.checkout.provider === provider)
      const notes = mine.flatMap((r) => r.notifications)
      const copies = notes.flatMap((n) => n.copies)
      const paid = mine.filter((r) => r.checkout.action === "pay")
      return {
        provider: provider.id,
        carts: mine.length,
        paid: paid.length,
        declined: mine.filter((r) => r.checkout.action === "decline" || r.checkout.action === "cancel").length,
        abandoned: mine.filter((r) => r.checkout.action === "abandon").length,
        storefrontRaces: mine.filter((r) => r.checkout.storefront !== "none").length,
        webhooksSent: notes.length,
        dropped: notes.filter((n) => n.fate === "dropped").length,
        tripled: notes.filter((n) => n.fate === "tripled").length,
        copiesDelivered: copies.filter((c) => c.delivered).length,
        copiesRetried: copies.filter((c) => c.attempts.length > 1).length,
        copiesGivenUp: copies.filter((c) => !c.delivered).length,
        orders: mine.reduce((sum, r) => sum + r.facts.orders, 0),
        captures: mine.reduce((sum, r) => sum + r.facts.captures, 0),
        merchantCaptures: mine.filter((r) => r.checkout.captureStatus === 200).length,
        /** Paid, no money notification reached the app, the order exists: a status call (reconciliation job, the status route, or complete) made it. */
        recovered: paid.filter((r) => !r.reached && r.facts.orders === 1).length,
        recoveredByJob: paid.filter((r) => !r.reached && r.facts.orders === 1 && r.checkout.storefront === "none").length,
        unrecoverable: paid.filter((r) => r.expectation.kind === "unrecoverable" && r.facts.orders === 0).length,
        flaggedEvents: mine.reduce((sum, r) => sum + r.facts.flagged_events, 0),
        retriedEvents: mine.reduce((sum, r) => sum + r.facts.retried_events, 0),
      }
    })
    const totals = Object.fromEntries(
      Object.keys(table[0]).map((key) => [key, key === "provider" ? "total" : table.reduce((sum, row) => sum + Number(row[key as keyof (typeof table)[number]]), 0)])
    )
    printTable([...table, totals as (typeof table)[number]])
    results.tally = [...table, totals]
    report("storefront races", {
      completeAnswers: tally(checkouts.filter((c) => c.completeAnswer).map((c) => `${c.action === "pay" ? "paid" : "unpaid"}: ${c.completeAnswer}`)),
      pollEndedAs: tally(checkouts.filter((c) => c.polled).map((c) => `${c.provider.gateway} ${c.polled}`)),
    })
    const [latency] = await sql(
      `select count(*)::int as events,
              round(percentile_cont(0.5) within group (order by extract(epoch from processed_at - created_at))::numeric, 1) as p50,
              round(percentile_cont(0.95) within group (order by extract(epoch from processed_at - created_at))::numeric, 1) as p95,
              round(max(extract(epoch from processed_at - created_at))::numeric, 1) as max
         from gateway_event where processed_at is not null`
    )
    report("events, stored to processed (s)", latency)
    // Medusa's cart completions that failed after they began (the order they made, if any, is deleted by their compensation)
    const [{ reverted }] = await sql(`select count(*)::int as reverted from workflow_execution where workflow_id = 'complete-cart' and state = 'reverted'`)
    report("complete-cart workflows reverted", reverted)
    report("relay", {
      notifications: relay!.notifications.length,
      copies: relay!.notifications.reduce((sum, n) => sum + n.copies.length, 0),
      answers: tally(relay!.notifications.flatMap((n) => n.copies.flatMap((c) => c.attempts.map(String)))),
    })

    /* ---------------------------------------------------------- the assertions */

    const atGateway = await gatewayRecords()
    const name = (r: (typeof rows)[number]) =>
      `#${r.checkout.index} ${r.checkout.provider.id} ${r.checkout.action}${r.checkout.storefront !== "none" ? `+${r.checkout.storefront}` : ""} cart ${r.checkout.cartId}`
    for (const r of rows) {
      const f = r.facts
      if (!f) {
        problems.push(`${name(r)}: no facts`)
        continue
      }
      if (f.orders > 1) problems.push(`${name(r)}: ${f.orders} orders`)
      if (f.refunds) problems.push(`${name(r)}: ${f.refunds} refunds in Medusa (nobody asked for one)`)
      const gateway = atGateway.get(r.checkout.sessionId!)
      if (gateway?.status !== expectedAtGateway(r.checkout) || gateway.refunds) {
        problems.push(`${name(r)}: at the gateway ${JSON.stringify(gateway)}, expected status ${expectedAtGateway(r.checkout)} and no refund`)
      }
      if (f.captures > f.payments) problems.push(`${name(r)}: ${f.captures} captures on ${f.payments} payments`)
      if (!f.captures_whole) problems.push(`${name(r)}: a capture is not the payment's whole amount`)
      if (f.open_events || f.failed_events) problems.push(`${name(r)}: events left unprocessed (${f.open_events} open, ${f.failed_events} failed)`)
      switch (r.expectation.kind) {
        case "order":
          if (f.orders !== 1 || f.payments !== 1 || f.captures !== r.expectation.captures || f.canceled_payments) {
            problems.push(
              `${name(r)}: paid, expected 1 order / 1 payment / ${r.expectation.captures} capture(s), got ${f.orders} / ${f.payments} / ${f.captures}` +
                `${f.canceled_payments ? " (payment canceled)" : ""}; money notification reached: ${r.reached}`
            )
          }
          if (r.seen.status !== "paid" || r.seen.order_id !== f.order_id) problems.push(`${name(r)}: the status route says ${JSON.stringify(r.seen)}`)
          break
        case "unrecoverable":
          // a copy that timed out after it was stored may still have made the order; otherwise nothing may be claimed
          if (f.orders === 1) {
            if (f.payments !== 1 || f.captures !== 1) problems.push(`${name(r)}: 1 order but ${f.payments} payments / ${f.captures} captures`)
          } else if (f.payments || f.money_events || ["authorized", "captured"].includes(f.session_status ?? "") || r.seen.status !== "pending") {
            problems.push(`${name(r)}: every notification lost, yet the plugin claims something: session ${f.session_status}, ${f.money_events} money events, status route ${r.seen.status}`)
          }
          break
        case "none": {
          if (f.orders || f.payments || f.captures) problems.push(`${name(r)}: not paid, yet ${f.orders} orders / ${f.payments} payments / ${f.captures} captures`)
          const ending = r.checkout.action === "abandon" ? undefined : r.checkout.gatewayStatus
          const known = ending && (r.checkout.provider.hasStatusCall || endingReached(r.notifications, ending))
          const expected = !known ? "pending" : ending === "CANCELED" || ending === "deleted" ? "canceled" : "failed"
          if (r.seen.status !== expected) problems.push(`${name(r)}: the status route says ${r.seen.status}, expected ${expected}`)
        }
      }
    }
    // across the whole database, not only the carts above
    const doubleOrders = await sql(`select cart_id, count(*)::int as n from order_cart where deleted_at is null group by cart_id having count(*) > 1`)
    const doubleCaptures = await sql(`select payment_id, count(*)::int as n from capture where deleted_at is null group by payment_id having count(*) > 1`)
    const doublePayments = await sql(`select payment_session_id, count(*)::int as n from payment where deleted_at is null group by payment_session_id having count(*) > 1`)
    problems.push(...doubleOrders.map((r) => `cart ${r.cart_id}: ${r.n} orders`))
    problems.push(...doubleCaptures.map((r) => `payment ${r.payment_id}: ${r.n} captures`))
    problems.push(...doublePayments.map((r) => `payment session ${r.payment_session_id}: ${r.n} payments`))
    results.problems = problems
    if (problems.length) {
      const carts = new Set(problems.map((p) => /cart (cart_\w+)/.exec(p)?.[1]).filter(Boolean))
      const sessions = judged.filter((c) => carts.has(c.cartId)).slice(0, 20).map((c) => c.sessionId)
      results.problemEvents = await sql(
        `select session_id, event_key, action, gateway_status, state, attempts, last_error, flag_reason, payload->>'source' as source, created_at, updated_at
           from gateway_event where session_id = any($1) order by session_id, created_at`,
        [sessions]
      )
    }
    if (problems.length) console.log(`[load-integrity] ${problems.length} problems:\n  ${problems.slice(0, 50).join("\n  ")}`)
    expect(problems).toEqual([])

    // the chaos really happened, and reconciliation really recovered something
    const sum = (key: keyof (typeof table)[number]) => table.reduce((s, row) => s + Number(row[key]), 0)
    expect(sum("dropped")).toBeGreaterThan(0)
    expect(sum("tripled")).toBeGreaterThan(0)
    if (CHECKOUTS >= 100) expect(sum("recovered")).toBeGreaterThan(0)
  })
})

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1
  return counts
}

/** The tally as a fixed-width table on the console. */
function printTable(rows: Array<Record<string, string | number>>) {
  const columns = Object.keys(rows[0])
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column]).length)))
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")
  console.log(
    `[load-integrity] tally (seed ${SEED}):\n${[line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map((row) => line(columns.map((c) => String(row[c]))))].join("\n")}`
  )
}
