/**
 * What the benchmark does to the running app: real payment sessions through
 * the Store API, genuine webhooks for them, the load runs (duplicates, fresh
 * events, /health), storefront checkouts, the memory run and the full inbox.
 */
const { randomUUID } = require("node:crypto")
const { performance } = require("node:perf_hooks")
const axios = require("axios")
const { storeApi, openPaymentSession } = require("../stack")
const { webhooksFor, webhookUrl, GATEWAYS } = require("./webhooks")
const { measuredRun, settle, measureIdle, sleep } = require("./load")

const CONCURRENCY = 50
const gatewayOf = (providerId) => GATEWAYS.find((g) => g.providerId === providerId)

/** Runs `fn` over `items`, `limit` at a time. */
async function pool(items, limit, fn) {
  const results = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        results[i] = await fn(items[i], i)
      }
    })
  )
  return results
}

/** A payment session of `providerId` (cart -> shipping -> payment collection -> session) and its webhook builder. */
async function prepareSession(app, providerId, n = 0) {
  const api = storeApi(app.backend, app.store)
  const gateway = gatewayOf(providerId)
  const { cart, session, sessionMs } = await openPaymentSession(api, app.store, providerId, gateway?.sessionData ?? {}, { email: `buyer${n}@example.com` })
  const hooks = gateway ? await webhooksFor(app.sandbox.url, providerId, session) : undefined
  return { providerId, gateway, cart, session, hooks, sessionMs }
}

/** Posts one webhook; the answer's status and body. */
async function post(app, hook, route = "plugin") {
  const response = await axios.post(webhookUrl(app.backend, hook, route), hook.body, {
    headers: { "content-type": hook.contentType },
    transformRequest: [(d) => d],
    validateStatus: () => true,
  })
  return response
}

/**
 * Before a gateway's paid word: the sandbox's order takes that status (without a notification), as when
 * the gateway sends it. The exchanger provider asks the exchanger's order/get before it authorizes.
 */
async function gatewayTakesStatus(app, prepared, status) {
  if (prepared.gateway?.providerId.startsWith("pp_exchanger_")) {
    const site = prepared.providerId.slice("pp_exchanger_".length)
    await axios.post(`${app.sandbox.url}/__control/exchanger/${site}/orders/${prepared.session.data.gateway_reference}/status`, {
      status,
      notify: false,
    })
  }
}

/** Polls the database (not Medusa) every 10 ms until the cart has an order; ms since `since`, or undefined after `timeoutMs`. */
async function orderAppears(app, cartId, since, timeoutMs = 30_000) {
  for (;;) {
    const { rows } = await app.db.query("select order_id from order_cart where cart_id = $1 and deleted_at is null", [cartId])
    if (rows.length) return performance.now() - since
    if (performance.now() - since > timeoutMs) return undefined
    await sleep(10)
  }
}

/** The gateway's paid word for a prepared session, then waits for its order (the session's cart completed). */
async function payAndWait(app, prepared) {
  const status = prepared.gateway.paid
  await gatewayTakesStatus(app, prepared, status)
  const hook = prepared.hooks.build(status)
  const start = performance.now()
  const answer = await post(app, hook)
  const answerMs = performance.now() - start
  if (answer.status !== 200) throw new Error(`${prepared.providerId}: the paid webhook was answered ${answer.status} ${JSON.stringify(answer.data)}`)
  const orderMs = await orderAppears(app, prepared.cart.id, start)
  if (orderMs === undefined) throw new Error(`${prepared.providerId}: no order 30 s after the paid webhook (see .bench-data/medusa.log)`)
  return { answerMs, orderMs }
}

/** pp_system_default: `POST /store/carts/:id/complete` until the order exists. */
async function completeWithSystemProvider(app, prepared) {
  const api = storeApi(app.backend, app.store)
  const start = performance.now()
  const { data } = await api.post(`/store/carts/${prepared.cart.id}/complete`, {})
  if (data.type !== "order") throw new Error(`pp_system_default: cart completion answered ${JSON.stringify(data).slice(0, 200)}`)
  const orderMs = await orderAppears(app, prepared.cart.id, start)
  return { answerMs: orderMs, orderMs }
}

/** autocannon options for one webhook body repeated (a gateway retrying the same notification). */
function duplicates(app, hook, route, seconds) {
  return {
    url: webhookUrl(app.backend, hook, route),
    method: "POST",
    headers: { "content-type": hook.contentType },
    body: hook.body,
    connections: CONCURRENCY,
    duration: seconds,
  }
}

/**
 * autocannon options for a new genuine event per request: Romb's pending word (WAIT) with a new transaction
 * `id` each time (the inbox's key is `{id}:{status}`), round robin over `sessions`; at most `cap` requests.
 */
function freshEvents(app, sessions, route, seconds, cap, connections = CONCURRENCY) {
  // autocannon builds each connection's first request up front, so a few more bodies than requests
  const bodies = Array.from({ length: cap + connections + 10 }, (_, i) => sessions[i % sessions.length].hooks.build("WAIT", randomUUID()))
  let next = 0
  return {
    url: webhookUrl(app.backend, bodies[0], route),
    method: "POST",
    headers: { "content-type": bodies[0].contentType },
    connections,
    duration: seconds,
    maxOverallRequests: cap,
    requests: [{ setupRequest: (request) => ({ ...request, body: bodies[Math.min(next++, bodies.length - 1)].body }) }],
  }
}

/** Medusa's built-in route hands the event to its bus with a 5 s delay: settle after it. */
const BUILTIN_SETTLE = { minWaitMs: 5500 }

/**
 * Some requests of each kind first, so that the measured runs find the code compiled (the built-in route's
 * subscribers run the same verify and inbox code as the plugin's route), then the idle server's own CPU.
 */
async function warmUp(app, { dupHook, freshSessions, requests }) {
  // a first idle figure, so that settling knows the server's own rate (under --cpu-prof about 30-50 ms/s)
  await measureIdle(app, 3)
  const base = { connections: 10, amount: requests }
  await measuredRun(app, "warm-up", { ...duplicates(app, dupHook, "plugin", 1), ...base })
  await measuredRun(app, "warm-up", { ...duplicates(app, dupHook, "builtin", 1), ...base }, BUILTIN_SETTLE)
  await measuredRun(app, "warm-up", { url: `${app.backend}/health`, ...base })
  const fresh = freshEvents(app, freshSessions, "plugin", 10, requests / 3, 10)
  delete fresh.maxOverallRequests
  await measuredRun(app, "warm-up", { ...fresh, amount: Math.round(requests / 3) })
  return measureIdle(app)
}

/** One run in a progress line. */
const describe = (run) =>
  `${run.requests} requests, ${run.rps.toFixed(0)}/s, p99 ${run.p99} ms, ${run.cpuMsPerReq.toFixed(2)} ms CPU/req` +
  (run.byGroup
    ? ` (${Object.entries(run.byGroup).map(([name, g]) => `${name} ${g.cpuMsPerReq.toFixed(2)}, ${g.cpuAnsweringMsPerReq.toFixed(2)} until answered`).join("; ")})`
    : "") +
  `; ${run.drainMs !== undefined ? `drained ${(run.drainMs / 1000).toFixed(1)} s after the last answer, ` : ""}` +
  `settled ${(run.settleMs / 1000).toFixed(1)} s after${run.settled ? "" : " (NOT settled: gave up)"}; others took ${run.othersPct.toFixed(0)}% of the CPU`

/** Rotates the order of `kinds` each round, so that no kind always runs first or right after another. */
const rotated = (kinds, round) => kinds.map((_, i) => kinds[(i + round) % kinds.length])

/** Duplicates: the plugin's route, Medusa's built-in route with the same body, and /health; interleaved rounds. */
async function duplicateRuns(app, dupHook, { rounds, seconds }, say) {
  const kinds = [
    { key: "plugin", options: () => duplicates(app, dupHook, "plugin", seconds) },
    { key: "builtin", options: () => duplicates(app, dupHook, "builtin", seconds), settle: BUILTIN_SETTLE },
    { key: "health", options: () => ({ url: `${app.backend}/health`, connections: CONCURRENCY, duration: seconds }) },
  ]
  const runs = { plugin: [], builtin: [], health: [] }
  for (let round = 0; round < rounds; round++) {
    for (const kind of rotated(kinds, round)) {
      const run = await measuredRun(app, `dup:${kind.key}`, kind.options(), kind.settle)
      runs[kind.key].push(run)
      say(`duplicates round ${round + 1}/${rounds} ${kind.key}: ${describe(run)}`)
    }
  }
  return runs
}

/** Fresh events on both webhook routes; interleaved rounds. */
async function freshRuns(app, sessions, { rounds, seconds, cap }, say) {
  const kinds = [
    { key: "plugin", options: () => freshEvents(app, sessions, "plugin", seconds, cap) },
    { key: "builtin", options: () => freshEvents(app, sessions, "builtin", seconds, cap), settle: BUILTIN_SETTLE },
  ]
  const runs = { plugin: [], builtin: [] }
  for (let round = 0; round < rounds; round++) {
    for (const kind of rotated(kinds, round)) {
      const run = await measuredRun(app, `fresh:${kind.key}`, kind.options(), { maxWaitMs: 180_000, ...kind.settle })
      runs[kind.key].push(run)
      say(`fresh events round ${round + 1}/${rounds} ${kind.key}: ${describe(run)}`)
    }
  }
  return runs
}

/** How the events stored since `since` (a Date) ended up: { state: count }. */
async function inboxStates(db, since) {
  const { rows } = await db.query(
    "select state, count(*)::int as n from gateway_event where created_at >= $1 and deleted_at is null group by state order by state",
    [since]
  )
  return Object.fromEntries(rows.map((r) => [r.state, r.n]))
}

/**
 * Fresh events on the plugin route of the server instance of a server + worker pair (app.js
 * startTopology): a warm-up (both instances' code compiled, the queue path exercised), their idle CPU,
 * then `rounds` runs, each until the worker has processed every event (`drainMs`: after the last answer)
 * and both instances are idle again; `states`: how the run's events ended up.
 */
async function topologyRuns(pair, sessions, { rounds, seconds, cap, warmUp: warmRequests }, say) {
  await measureIdle(pair, 3)
  const warm = freshEvents(pair, sessions, "plugin", 30, warmRequests, 10)
  await measuredRun(pair, "warm-up", warm, { maxWaitMs: 120_000, drain: true })
  const idle = await measureIdle(pair)
  say(`server + worker warmed up (${warmRequests} fresh events); idle they spend ${idle} ms CPU per second (server ${pair.idleByGroup.server}, worker ${pair.idleByGroup.worker})`)
  const runs = []
  for (let round = 0; round < rounds; round++) {
    const since = new Date(Date.now() - 1000)
    const run = await measuredRun(pair, "topology:fresh", freshEvents(pair, sessions, "plugin", seconds, cap), { maxWaitMs: 180_000, drain: true })
    run.states = await inboxStates(pair.db, since)
    runs.push(run)
    say(`server + worker round ${round + 1}/${rounds}: ${describe(run)}; events ${JSON.stringify(run.states)}`)
  }
  return { plugin: runs, idleMsPerSecond: idle, idleByGroup: pair.idleByGroup }
}

/** Duplicates of each other gateway's paid word on the plugin's route (one run each). */
async function otherGatewayRuns(app, prepared, { seconds }, say) {
  const rows = []
  for (const p of prepared) {
    await payAndWait(app, p)
    const run = await measuredRun(app, `dup:${p.providerId}`, duplicates(app, p.hooks.build(p.gateway.paid), "plugin", seconds))
    rows.push({ ...run, providerId: p.providerId, label: p.gateway.label })
    say(`duplicates ${p.gateway.label}: ${describe(run)}`)
  }
  return rows
}

/** Storefront checkouts: each gateway's paid webhook -> order, and pp_system_default's cart completion; round robin. */
async function checkoutRuns(app, prepared, say) {
  const byProvider = new Map()
  for (const p of prepared) byProvider.set(p.providerId, [...(byProvider.get(p.providerId) ?? []), p])
  const providers = [...byProvider.keys()]
  const results = new Map(providers.map((id) => [id, []]))
  const rounds = Math.max(...[...byProvider.values()].map((list) => list.length))
  for (let round = 0; round < rounds; round++) {
    for (const providerId of rotated(providers, round)) {
      const p = byProvider.get(providerId)[round]
      if (!p) continue
      const timing = providerId === "pp_system_default" ? await completeWithSystemProvider(app, p) : await payAndWait(app, p)
      results.get(providerId).push(timing)
      await settle(app, { maxWaitMs: 30_000 })
    }
    say(`checkouts round ${round + 1}/${rounds} done`)
  }
  return results
}

/**
 * The server's memory after a full garbage collection (scripts/bench/heap-probe.js, on SIGUSR2): RSS and
 * V8's heap in MiB, or undefined if the probe does not answer.
 */
async function memoryAfterGc(app) {
  const fs = require("node:fs")
  fs.rmSync(app.heapFile, { force: true })
  process.kill(app.server.pid, "SIGUSR2")
  for (let i = 0; i < 100; i++) {
    await sleep(100)
    if (fs.existsSync(app.heapFile)) {
      const m = JSON.parse(fs.readFileSync(app.heapFile, "utf8"))
      const mib = (bytes) => bytes / 2 ** 20
      return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), external: mib(m.external + (m.arrayBuffers ?? 0)) }
    }
  }
  return undefined
}

/**
 * Memory of the Medusa process around `count` duplicate webhooks on the plugin's route, in `segments`
 * equal parts: RSS as it is (V8 collects lazily) after each part, and RSS and heap after a full GC
 * before and after (what the server keeps).
 */
async function memoryRun(app, dupHook, count, segments = 5) {
  await settle(app)
  const before = await memoryAfterGc(app)
  const rssSeries = []
  const runs = []
  for (let i = 0; i < segments; i++) {
    // with `amount`, autocannon ignores the duration
    const run = await measuredRun(app, "rss", { ...duplicates(app, dupHook, "plugin", 600), amount: Math.round(count / segments) })
    runs.push(run)
    rssSeries.push(run.rssAfter)
  }
  const after = await memoryAfterGc(app)
  const requests = runs.reduce((sum, r) => sum + r.requests, 0)
  return {
    requests,
    rssBefore: runs[0].rssBefore,
    rssPeak: Math.max(...runs.map((r) => r.rssPeak)),
    rssAfter: runs[runs.length - 1].rssAfter,
    rssSeries,
    gcBefore: before,
    gcAfter: after,
    rps: requests / runs.reduce((sum, r) => sum + r.seconds, 0),
    p99: Math.max(...runs.map((r) => r.p99)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    window: { from: runs[0].window.from, to: runs[runs.length - 1].window.to },
  }
}

/**
 * 100,000 stored events, written straight into gateway_event (settled, spread over the providers, with
 * payloads and confirmations of the usual size), as a busy shop's inbox holds them.
 */
async function fillInbox(db, count) {
  const start = performance.now()
  await db.query(
    `insert into gateway_event (id, provider_id, event_key, session_id, action, gateway_status, gateway_reference,
                                amount, raw_amount, currency_code, state, attempts, processed_at, confirmation, payload,
                                created_at, updated_at)
     select 'gwevt_fill' || lpad(g::text, 8, '0'),
            (array['pp_romb_romb','pp_rubitpay_rubitpay','pp_rubitpay_hold','pp_exchanger_obmin','pp_exchanger_pocketbank'])[1 + g % 5],
            'fill-' || md5(g::text) || ':PAID',
            'payses_fill' || lpad((g / 2)::text, 20, '0'),
            'captured', 'PAID', md5(g::text), 1490.5, '{"value":"1490.5","precision":20}'::jsonb, 'rub',
            case when g % 50 = 0 then 'flagged' when g % 7 = 0 then 'ignored' else 'processed' end,
            1, now() - g * interval '30 seconds',
            jsonb_build_object('action', 'captured', 'gateway_status', 'PAID', 'amount', '1490.5', 'event_key', md5(g::text) || ':PAID',
                               'confirmed_at', now() - g * interval '30 seconds', 'seal', md5(g::text) || md5((g + 1)::text)),
            jsonb_build_object('id', md5(g::text), 'order_id', 'payses_fill' || g, 'amount', '1490.50', 'status', 'PAID',
                               'data', jsonb_build_object('customer_email', 'buyer@example.com', 'description', 'Order ' || g),
                               'createdDateTime', now() - g * interval '30 seconds'),
            now() - g * interval '30 seconds', now() - g * interval '30 seconds'
       from generate_series(1, $1::int) g`,
    [count]
  )
  await db.query("analyze gateway_event")
  return performance.now() - start
}

/** Fresh-event intake with an empty inbox vs with `fill` events stored; `rounds` pairs. */
async function inboxRuns(app, sessions, { rounds, seconds, cap, fill }, say) {
  const runs = { empty: [], full: [] }
  let fillMs
  for (let round = 0; round < rounds; round++) {
    await app.db.query("truncate gateway_event")
    await app.db.query("analyze gateway_event")
    const empty = await measuredRun(app, "inbox:empty", freshEvents(app, sessions, "plugin", seconds, cap), { maxWaitMs: 180_000 })
    runs.empty.push(empty)
    fillMs = await fillInbox(app.db, fill)
    await settle(app)
    const full = await measuredRun(app, "inbox:full", freshEvents(app, sessions, "plugin", seconds, cap), { maxWaitMs: 180_000 })
    runs.full.push(full)
    say(`inbox round ${round + 1}/${rounds}: empty: ${describe(empty)}; ${fill} stored (${(fillMs / 1000).toFixed(1)} s to insert): ${describe(full)}`)
  }
  return { ...runs, fillMs }
}

/**
 * A shop's history: settled gateway orders (one in ten dropped, as carts switch gateways), written with SQL
 * up to `total` rows, spread over the plugin's providers and the past years.
 */
async function fillGatewayOrders(db, total) {
  const start = performance.now()
  const { rows } = await db.query("select count(*)::int as n from gateway_order where id like 'gword_hist%'")
  await db.query(
    `insert into gateway_order (id, provider_id, session_id, payment_collection_id, cart_id, amount, raw_amount, currency_code,
                                gateway_reference, state, next_check_at, checks, created_at, updated_at)
     select 'gword_hist' || lpad(g::text, 8, '0'),
            (array['pp_romb_romb','pp_rubitpay_rubitpay','pp_rubitpay_hold','pp_exchanger_obmin','pp_exchanger_pocketbank'])[1 + g % 5],
            'payses_hist' || lpad(g::text, 20, '0'), 'pay_col_hist' || lpad((g / 2)::text, 20, '0'), 'cart_hist' || lpad((g / 2)::text, 20, '0'),
            1490.5, '{"value":"1490.50","precision":20}'::jsonb, 'rub', md5(g::text),
            case when g % 10 = 0 then 'dropped' else 'settled' end, null, 1,
            now() - g * interval '30 seconds', now() - g * interval '30 seconds'
       from generate_series($1::int + 1, $2::int) g`,
    [rows[0].n, total]
  )
  await db.query("analyze gateway_order")
  return performance.now() - start
}

/**
 * Session creation and checkout as the shop's history grows: at each level of stored gateway orders, `checkouts`
 * interleaved Romb and pp_system_default checkouts (the session's POST, then the order); the history is removed after.
 */
async function historyRuns(app, { levels, checkouts }, say) {
  const providers = ["pp_romb_romb", "pp_system_default"]
  const results = []
  try {
    for (const level of levels) {
      const fillMs = await fillGatewayOrders(app.db, level)
      await settle(app)
      const byProvider = Object.fromEntries(providers.map((id) => [id, { sessionMs: [], orderMs: [] }]))
      for (let round = 0; round < checkouts; round++) {
        for (const providerId of rotated(providers, round)) {
          const prepared = await prepareSession(app, providerId, round)
          const timing = providerId === "pp_system_default" ? await completeWithSystemProvider(app, prepared) : await payAndWait(app, prepared)
          byProvider[providerId].sessionMs.push(prepared.sessionMs)
          byProvider[providerId].orderMs.push(timing.orderMs)
          await settle(app, { maxWaitMs: 30_000 })
        }
      }
      results.push({ level, fillMs, byProvider })
      say(`history ${level.toLocaleString("en")} gateway orders (${(fillMs / 1000).toFixed(1)} s to write): ${checkouts} checkouts per provider`)
    }
  } finally {
    await app.db.query("delete from gateway_order where id like 'gword_hist%'")
    await app.db.query("analyze gateway_order")
  }
  return results
}

module.exports = {
  CONCURRENCY,
  historyRuns,
  pool,
  prepareSession,
  post,
  payAndWait,
  warmUp,
  duplicateRuns,
  freshRuns,
  otherGatewayRuns,
  checkoutRuns,
  memoryRun,
  inboxRuns,
  topologyRuns,
}
