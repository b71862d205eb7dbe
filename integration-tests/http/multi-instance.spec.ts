import axios, { AxiosInstance } from "axios"
import { Client } from "@medusajs/framework/pg"
import {
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
import { createCartReadyForPayment, createPaymentSession } from "../helpers/storefront"

/**
 * Several `medusa start` processes of the app on one PostgreSQL database and
 * Medusa's Redis modules (medusa-config.ts with REDIS_URL): a `server`
 * instance (HTTP only), two `shared` ones (HTTP, subscribers and jobs), and a
 * `worker` started after one of them is SIGKILLed in the middle of processing.
 * Every count is read with SQL from the shared database.
 *
 * The tests run in order and share the instances: the kill happens early and
 * its recovery (the claim lapses after 90 s, the retry job runs every minute)
 * is awaited after the storms and the reconciliation, which run meanwhile.
 */

jest.setTimeout(300_000)

const ROMB = "pp_romb_romb"
const RUBITPAY = "pp_rubitpay_rubitpay"
const ROMB_HOOK = "/hooks/payment-gateways/romb_romb"
const RUBITPAY_HOOK = "/hooks/payment-gateways/rubitpay_rubitpay"
const RUBITPAY_SHOP = "sandbox-rubitpay-shop"
const COPIES_PER_INSTANCE = 20
/** src/modules/gateway-inbox/service.ts PROCESSING_LEASE_SECONDS; the retry job runs every minute. */
const LEASE_SECONDS = 90

/** What the suite measured, printed as it goes and kept in .test-data/multi-instance-results.json. */
const { plan: redisPlan, test, results, report, saveResults } = redisSuite("multi-instance")

const sandbox = () => process.env.SANDBOX_URL!
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`


describe("several instances on Medusa's Redis modules, one database", () => {
  let redis: TestRedis | undefined
  let database: PreparedDatabase | undefined
  let processes: MedusaProcesses
  let store: SeededStore
  let db: InstanceType<typeof Client>
  let server: MedusaInstance
  let shared: MedusaInstance[] = []
  /** The shared instance left after the kill, and the worker started after it. */
  let survivor: MedusaInstance
  let worker: Promise<MedusaInstance>
  let api: AxiosInstance

  const sql = async <T = any>(text: string, values: unknown[] = []): Promise<T[]> => (await db.query(text, values)).rows

  beforeAll(async () => {
    if (redisPlan.kind === "none") return
    redis = await startRedis(redisPlan)
    let t = Date.now()
    const name = `${process.env.DB_TEMP_NAME ?? "redirect-payments"}-instances`
    database = await prepareDatabase(name, { providerIds: [ROMB, RUBITPAY], env: { REDIS_URL: redis.url } })
    store = database.store
    report("setup", `${redis.description}; database ${name} migrated in ${database.timings.migrate.toFixed(1)} s, seeded in ${database.timings.seed.toFixed(1)} s`)
    db = new Client({ connectionString: database.url })
    await db.connect()
    processes = medusaProcesses({ databaseUrl: database.url, redisUrl: redis.url, env: { LOG_LEVEL: "debug" } })
    t = Date.now()
    server = await processes.start("multi-server", "server")
    report("boot server", seconds(Date.now() - t))
    api = axios.create({ baseURL: server.url })
    await axios.post(`${sandbox()}/__control/reset`)
    // the engine's status call, for reconciliation
    await rubitPaySandbox.features({ check: true, invoiceId: true })
  })

  afterAll(async () => {
    // SIGTERM: Medusa's graceful shutdown, timed per instance
    const stops = await Promise.all(
      (processes?.instances ?? []).filter((i) => i.alive()).map(async (instance) => {
        const t = Date.now()
        await instance.stop(10_000)
        const { code, signal } = await instance.exited
        return [instance.name, `${signal ?? `exit ${code}`} after ${seconds(Date.now() - t)}`]
      })
    )
    if (stops.length) report("SIGTERM", Object.fromEntries(stops))
    await db?.end().catch(() => undefined)
    await database?.drop().catch(() => undefined)
    await redis?.stop()
    saveResults()
    console.log(`[multi-instance] results:\n${JSON.stringify(results, null, 2)}`)
  })

  /* ------------------------------------------------------------ helpers */

  async function checkout(providerId: string) {
    const cart = await createCartReadyForPayment(api, store, { email: "buyer@example.com" })
    const session = await createPaymentSession(api, cart.id, providerId, {}, store)
    return { cartId: cart.id as string, session }
  }

  async function counts(cartId: string, sessionId: string) {
    const [row] = await sql(
      `select (select count(*)::int from order_cart where cart_id = $1 and deleted_at is null) as orders,
              (select count(*)::int from payment where payment_session_id = $2 and deleted_at is null) as payments,
              (select count(*)::int from capture c join payment p on p.id = c.payment_id
                where p.payment_session_id = $2 and c.deleted_at is null) as captures,
              (select count(*)::int from refund r join payment p on p.id = r.payment_id
                where p.payment_session_id = $2 and r.deleted_at is null) as refunds,
              (select coalesce(json_agg(r.amount::text), '[]') from refund r join payment p on p.id = r.payment_id
                where p.payment_session_id = $2 and r.deleted_at is null) as refund_amounts,
              (select count(*)::int from gateway_event where session_id = $2 and deleted_at is null) as events`,
      [cartId, sessionId]
    )
    return row as { orders: number; payments: number; captures: number; refunds: number; refund_amounts: string[]; events: number }
  }

  async function orderCreatedAt(cartId: string): Promise<Date | undefined> {
    const [row] = await sql(
      `select o.created_at from order_cart oc join "order" o on o.id = oc.order_id where oc.cart_id = $1 and oc.deleted_at is null`,
      [cartId]
    )
    return row?.created_at
  }

  async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await probe()
      if (value) return value
      if (Date.now() > deadline) throw new Error(`timed out after ${seconds(timeoutMs)} waiting for ${what}`)
      await sleep(200)
    }
  }

  /** Waits until no event of the session is awaiting processing, then a little longer for stragglers. */
  async function settled(sessionId: string) {
    await until(
      async () => {
        const [row] = await sql(
          `select count(*)::int as open from gateway_event where session_id = $1 and state in ('received', 'processing', 'failed')`,
          [sessionId]
        )
        return row.open === 0
      },
      60_000,
      `the events of ${sessionId} to be processed`
    )
    await sleep(3000)
  }

  /** Posts the same raw webhook `copies` times to each instance, all at once; the answers. */
  async function storm(instances: MedusaInstance[], hook: string, body: string, contentType: string, copies: number) {
    const requests = Array.from({ length: copies }, () => instances).flat()
    return Promise.all(
      requests.map(async (instance) => {
        const response = await fetch(`${instance.url}${hook}`, { method: "POST", headers: { "content-type": contentType }, body })
        return { instance: instance.name, status: response.status, body: (await response.json().catch(() => undefined)) as any }
      })
    )
  }

  /** The two HTTP instances for the storms: the server and a shared one (the survivor of the kill). */
  const httpInstances = () => [server, survivor ?? shared[shared.length - 1]]

  /** Log lines (JSON, Medusa's production format) of an instance whose message matches. */
  function logLines(instance: MedusaInstance, pattern: RegExp): Array<{ message: string; timestamp: string }> {
    return instance
      .log()
      .split("\n")
      .flatMap((line) => {
        try {
          const entry = JSON.parse(line)
          return typeof entry.message === "string" && pattern.test(entry.message) ? [entry] : []
        } catch {
          return []
        }
      })
  }
  const PROCESSED_INBOX_EVENT = /^Processing redirect_payments\.gateway_event\.recorded /
  const SCHEDULED_JOB = /^executing scheduled job job-(redirect-payments-[a-z-]+) /

  /* -------------------------------------------------------------- tests */

  /** Romb checkout B, before any instance that processes events is running. */
  const waiting = { cartId: "", sessionId: "" }

  test("an event acknowledged by the server instance while no worker runs waits in Redis; the first workers to start make the order once", async () => {
    await rombSandbox.setCallbackUrl(`${server.url}${ROMB_HOOK}`)
    const { cartId, session } = await checkout(ROMB)
    Object.assign(waiting, { cartId, sessionId: session.id })
    const paid = await rombSandbox.pay(session.data.redirect_url)
    expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))

    // the server instance stores and acknowledges, but neither handles events nor runs jobs
    await sleep(5000)
    expect(await sql(`select state from gateway_event where session_id = $1`, [session.id])).toEqual([{ state: "received" }])
    expect((await counts(cartId, session.id)).orders).toBe(0)

    const t = Date.now()
    shared = await Promise.all([processes.start("multi-shared-1", "shared"), processes.start("multi-shared-2", "shared")])
    const booted = Date.now() - t
    const createdAt = await until(() => orderCreatedAt(cartId), 90_000, "the order of the waiting event")
    await settled(session.id)
    expect(await counts(cartId, session.id)).toEqual(expect.objectContaining({ orders: 1, payments: 1, captures: 1, events: 1 }))
    expect(logLines(server, PROCESSED_INBOX_EVENT)).toEqual([])
    report(
      "waiting event (no worker running at the webhook)",
      `two shared instances started, healthy after ${seconds(booted)}; the order made ${seconds(createdAt.getTime() - t)} after they were started`
    )
  })

  /** Romb checkout A, whose processing instance is killed. */
  const killed = { cartId: "", sessionId: "", instance: "", claimedAt: new Date(0), killedAt: new Date(0) }

  test("the instance processing an acknowledged event is SIGKILLed before the order exists: the event stays claimed, nothing is made", async () => {
    await rombSandbox.setCallbackUrl(`${server.url}${ROMB_HOOK}`)
    const { cartId, session } = await checkout(ROMB)
    Object.assign(killed, { cartId, sessionId: session.id })

    // hold the payment session's row: the instance that claims the event blocks on its first write to it
    const lock = new Client({ connectionString: database!.url })
    await lock.connect()
    try {
      await lock.query("begin")
      await lock.query("select id from payment_session where id = $1 for update", [session.id])
      const paid = await rombSandbox.pay(session.data.redirect_url)
      expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))

      // each instance connects with its name as application_name: the one waiting for the lock is processing
      const names = shared.map((instance) => instance.name)
      const processing = await until(
        async () => {
          const [row] = await sql(
            `select a.application_name as name, e.updated_at as claimed_at
               from pg_stat_activity a, gateway_event e
              where a.datname = current_database() and a.wait_event_type = 'Lock' and a.application_name = any($1)
                and e.session_id = $2 and e.state = 'processing'`,
            [names, session.id]
          )
          return row as { name: string; claimed_at: Date } | undefined
        },
        30_000,
        "an instance to claim the event and wait for the session"
      )
      const victim = shared.find((instance) => instance.name === processing.name)!
      const exit = await victim.kill("SIGKILL")
      expect(exit.signal).toBe("SIGKILL")
      const [{ now }] = await sql(`select now() as now`)
      Object.assign(killed, { instance: victim.name, claimedAt: processing.claimed_at, killedAt: now })
      survivor = shared.find((instance) => instance !== victim)!
    } finally {
      await lock.query("rollback").catch(() => undefined)
      await lock.end()
    }

    // a new worker instance replaces it (awaited before the reconciliation test)
    worker = processes.start("multi-worker", "worker")
    worker.catch(() => undefined)

    await sleep(3000)
    expect(await sql(`select state, attempts from gateway_event where session_id = $1`, [session.id])).toEqual([
      { state: "processing", attempts: 1 },
    ])
    expect(await counts(cartId, session.id)).toEqual(expect.objectContaining({ orders: 0, payments: 0 }))
    report("killed while processing", `${killed.instance} SIGKILLed ${seconds(killed.killedAt.getTime() - killed.claimedAt.getTime())} after it claimed the event`)
  })

  test(`the same genuine Romb webhook ${COPIES_PER_INSTANCE}× to each of two instances at once: one order, one capture, one inbox event`, async () => {
    await axios.post(`${sandbox()}/__control/romb/merchant`, { callbackUrl: null })
    const { cartId, session } = await checkout(ROMB)
    const paid = await rombSandbox.pay(session.data.redirect_url)
    expect(paid.webhook).toEqual(expect.objectContaining({ delivered: false }))
    const [webhook] = (await rombSandbox.order(session.id)).webhooks
    expect(webhook.body).toContain('"status":"PAID"')

    const instances = httpInstances()
    const answers = await storm(instances, ROMB_HOOK, webhook.body, webhook.contentType, COPIES_PER_INSTANCE)
    expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(200))
    // one insert won; every other copy was answered as the stored duplicate of the same event
    expect(new Set(answers.map((a) => a.body.event_id)).size).toBe(1)
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1)

    await until(() => orderCreatedAt(cartId), 60_000, "the order")
    await settled(session.id)
    expect(await counts(cartId, session.id)).toEqual(expect.objectContaining({ orders: 1, payments: 1, captures: 1, events: 1 }))
    report("Romb storm", `${answers.length} concurrent copies to ${instances.map((i) => i.name).join(" + ")}: all 200, 1 stored, 1 order, 1 capture`)
  })

  test(`the same genuine RubitPay refund notification ${COPIES_PER_INSTANCE}× to each of two instances at once: one refund on the Medusa payment`, async () => {
    await rubitPaySandbox.setCallbackUrl(RUBITPAY_SHOP, `${server.url}${RUBITPAY_HOOK}`)
    const { cartId, session } = await checkout(RUBITPAY)
    const paid = await rubitPaySandbox.click(session.data.redirect_url, "pay")
    expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
    await until(() => orderCreatedAt(cartId), 60_000, "the order")
    await settled(session.id)

    // a refund made in RubitPay's dashboard, its notification caught instead of delivered
    await rubitPaySandbox.setCallbackUrl(RUBITPAY_SHOP, null)
    const { delivery } = await rubitPaySandbox.dashboardRefund(session.id, "300.00")
    expect(delivery).toEqual(expect.objectContaining({ delivered: false }))
    expect(JSON.parse(delivery.body)).toEqual(expect.objectContaining({ status: "refund", amount: "300.00" }))

    const instances = httpInstances()
    const answers = await storm(instances, RUBITPAY_HOOK, delivery.body, delivery.contentType, COPIES_PER_INSTANCE)
    expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(200))
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1)

    await until(async () => (await counts(cartId, session.id)).refunds > 0 || undefined, 60_000, "the refund")
    await settled(session.id)
    const after = await counts(cartId, session.id)
    expect(after).toEqual(expect.objectContaining({ orders: 1, captures: 1, refunds: 1, events: 2 }))
    expect(after.refund_amounts.map(Number)).toEqual([300])
    report("RubitPay refund storm", `${answers.length} concurrent copies: all 200, 1 stored, 1 refund of 300.00`)
  })

  test("a lost webhook, reconciliation scheduled on two job-running instances: the tick runs on one of them, one status call, one order", async () => {
    expect(worker).toBeDefined()
    const fresh = await worker
    report("boot worker (after the kill)", seconds(fresh.healthyAt! - fresh.startedAt))
    const runners = [survivor, fresh]

    await rubitPaySandbox.setCallbackUrl(RUBITPAY_SHOP, null)
    const { cartId, session } = await checkout(RUBITPAY)
    const paid = await rubitPaySandbox.click(session.data.redirect_url, "pay")
    expect(paid.webhook).toEqual(expect.objectContaining({ delivered: false }))
    // due now rather than reconcileAfterSeconds (120 s) after its creation
    await sql(`update gateway_order set next_check_at = now() where session_id = $1`, [session.id])
    const before = runners.map((r) => logLines(r, SCHEDULED_JOB).length)

    const createdAt = await until(() => orderCreatedAt(cartId), 75_000, "the order made by reconciliation")
    await settled(session.id)
    expect(await counts(cartId, session.id)).toEqual(expect.objectContaining({ orders: 1, payments: 1, captures: 1, events: 1 }))
    const checks = (await axios.get(`${sandbox()}/__control/requests`, { params: { path: "/rubitpay/invoice/check" } })).data.filter(
      (r: any) => r.body?.shop_order_id === session.id
    )
    // one by the reconciliation job (counted on the gateway order), one by the provider's authorizePayment
    // while the event is processed (it asks the status call too); a second reconciliation would make three
    expect(checks).toHaveLength(2)
    expect(await sql(`select checks, state from gateway_order where session_id = $1`, [session.id])).toEqual([{ checks: 1, state: "settled" }])

    // the tick that made it: the reconciliation job ran on exactly one of the two instances
    const runs = runners.map((r, i) =>
      logLines(r, SCHEDULED_JOB)
        .slice(before[i])
        .filter((l) => /reconcile-pending-payments/.test(l.message) && new Date(l.timestamp.replace(" ", "T")).getTime() <= createdAt.getTime() + 1000)
        .map(() => r.name)
    )
    expect(runs.flat()).toHaveLength(1)
    report("reconciliation", `the tick ran on ${runs.flat()[0]} only (of ${runners.map((r) => r.name).join(", ")}); 1 reconciliation check, 1 order`)
  })

  test(`the killed instance's event is processed exactly once after its claim lapses (${LEASE_SECONDS} s) at the next run of the retry job`, async () => {
    const { cartId, sessionId } = killed
    expect(sessionId).not.toBe("")
    // the lease, then at most a minute until the retry job runs, then the processing (30 s of slack on a busy machine)
    const limitMs = (LEASE_SECONDS + 60 + 45) * 1000 - (Date.now() - killed.killedAt.getTime())
    const createdAt = await until(() => orderCreatedAt(cartId), Math.max(limitMs, 10_000), "the recovered order")
    await settled(sessionId)
    expect(await counts(cartId, sessionId)).toEqual(expect.objectContaining({ orders: 1, payments: 1, captures: 1, events: 1 }))
    // claimed by the killed instance, then once more by the retry job: no third attempt, nothing before the lease
    expect(await sql(`select state, attempts from gateway_event where session_id = $1`, [sessionId])).toEqual([{ state: "processed", attempts: 2 }])
    const sinceClaim = createdAt.getTime() - killed.claimedAt.getTime()
    const sinceKill = createdAt.getTime() - killed.killedAt.getTime()
    expect(sinceClaim).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000)
    expect(sinceClaim).toBeLessThan((LEASE_SECONDS + 60 + 30) * 1000)
    report("crash recovery (SIGKILL while processing)", `order made ${seconds(sinceKill)} after the kill, ${seconds(sinceClaim)} after the claim`)
  })

  test("every scheduled tick ran once across the instances; the server instance ran no job and handled no event", () => {
    const instances = processes.instances
    const ticks = new Map<string, string[]>()
    for (const instance of instances) {
      for (const line of logLines(instance, SCHEDULED_JOB)) {
        const job = SCHEDULED_JOB.exec(line.message)![1]
        const key = `${job} ${line.timestamp.slice(0, 16)}`
        ticks.set(key, [...(ticks.get(key) ?? []), instance.name])
      }
    }
    expect(logLines(server, SCHEDULED_JOB)).toEqual([])
    expect(logLines(server, PROCESSED_INBOX_EVENT)).toEqual([])
    const twice = [...ticks].filter(([, ran]) => ran.length > 1)
    expect(twice).toEqual([])
    const retryTicks = [...ticks.keys()].filter((k) => k.startsWith("redirect-payments-retry-gateway-events")).length
    expect(retryTicks).toBeGreaterThanOrEqual(2)
    const byInstance = Object.fromEntries(instances.map((i) => [i.name, logLines(i, SCHEDULED_JOB).length]))
    report("scheduled runs", { ticks: ticks.size, byInstance, handledInboxEvents: Object.fromEntries(instances.map((i) => [i.name, logLines(i, PROCESSED_INBOX_EVENT).length])) })
  })
})
