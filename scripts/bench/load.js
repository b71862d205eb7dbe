/**
 * One measured load run against the running app: autocannon for the
 * requests, /proc for the CPU the Medusa process groups (one `medusa start`,
 * or a server and a worker: `app.cpuGroups`) and the bench database's
 * PostgreSQL backends spent on them, including the asynchronous processing
 * after the answers (the run ends when the inbox has nothing received or
 * processing and the Medusa CPU has settled).
 */
const autocannon = require("autocannon")
const proc = require("./proc")

/** µs on the monotonic clock, the clock V8's CPU profiles are stamped with. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n)

/** The bench database's PostgreSQL backends but our own connection. */
async function backendPids(db) {
  const { rows } = await db.query(
    "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"
  )
  return rows.map((r) => r.pid)
}

/**
 * The Medusa process groups whose CPU a run is charged: `app.cpuGroups` ([{ name, pid }], e.g. a server
 * and a worker instance), else the one `medusa start` (`app.server.pid`).
 */
const cpuGroups = (app) => app.cpuGroups ?? [{ name: "medusa", pid: app.server.pid }]

/** CPU ms so far of each of the app's process groups (by name) and their `total`. */
function cpuNow(app) {
  const byGroup = {}
  let total = 0
  for (const { name, pid } of cpuGroups(app)) {
    byGroup[name] = proc.groupCpuMs(pid)
    total += byGroup[name]
  }
  return { total, byGroup }
}

const rssNow = (app) => cpuGroups(app).reduce((sum, { pid }) => sum + proc.groupRssMiB(pid), 0)

/** Events the plugin has stored but not yet settled. */
async function unsettledEvents(db) {
  try {
    const { rows } = await db.query("select count(*)::int as n from gateway_event where state in ('received', 'processing') and deleted_at is null")
    return rows[0].n
  } catch {
    return 0
  }
}

/**
 * The CPU the idle server spends on its own (timers, scheduled jobs; `--cpu-prof` adds ~30 ms/s), ms per
 * second: the median of a few one-second samples. Runs are charged net of it.
 */
async function measureIdle(app, seconds = 4) {
  const samples = []
  let previous = cpuNow(app)
  for (let i = 0; i < seconds; i++) {
    await sleep(1000)
    const now = cpuNow(app)
    samples.push({ total: now.total - previous.total, byGroup: Object.fromEntries(Object.keys(now.byGroup).map((k) => [k, now.byGroup[k] - previous.byGroup[k]])) })
    previous = now
  }
  const mid = (values) => values.sort((a, b) => a - b)[values.length >> 1]
  app.idleMsPerSecond = mid(samples.map((s) => s.total))
  // each group's own, to charge its share of a run net of it (they need not add up to the total's median)
  app.idleByGroup = Object.fromEntries(cpuGroups(app).map(({ name }) => [name, mid(samples.map((s) => s.byGroup[name]))]))
  return app.idleMsPerSecond
}

/**
 * Waits until the app is idle again: at least `minWaitMs` (Medusa's built-in route hands its events to
 * the bus with a 5 s delay), then until no event is received/processing and Medusa spent less than
 * `busyMsPerSecond` CPU above its idle rate in the last second; gives up after `maxWaitMs`. Returns whether it settled.
 */
async function settle(app, { minWaitMs = 0, maxWaitMs = 120_000, busyMsPerSecond = 40 } = {}) {
  const idleMsPerSecond = (app.idleMsPerSecond ?? 0) + busyMsPerSecond
  const start = Date.now()
  if (minWaitMs) await sleep(minWaitMs)
  let previous = cpuNow(app).total
  for (;;) {
    await sleep(1000)
    const now = cpuNow(app).total
    const busy = now - previous
    previous = now
    if (busy < idleMsPerSecond && (await unsettledEvents(app.db)) === 0) return { settled: true, ms: Date.now() - start }
    if (Date.now() - start > maxWaitMs) return { settled: false, ms: Date.now() - start }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * ms from `since` (Date.now()) until the inbox has nothing received/processing, polled every 100 ms
 * (`settle` looks once a second, and only once the CPU is idle); undefined after `maxWaitMs`.
 */
async function drained(app, since, maxWaitMs) {
  for (;;) {
    if ((await unsettledEvents(app.db)) === 0) return Date.now() - since
    if (Date.now() - since > maxWaitMs) return undefined
    await sleep(100)
  }
}

/**
 * Runs autocannon with `options` (url, method, headers, body or requests, connections, duration,
 * maxOverallRequests), then settles, and returns the figures of the run. `window` receives the run's
 * monotonic time span (for the CPU profile). `settleOptions.drain`: also how long after the last answer
 * the inbox had nothing received/processing (`drainMs`). With several process groups (`app.cpuGroups`),
 * `byGroup` has each one's share of the CPU figures.
 */
async function measuredRun(app, label, options, settleOptions = {}) {
  const { drain = false, ...settleRest } = settleOptions
  const pgBefore = proc.cpuSnapshot(await backendPids(app.db))
  const cpuBefore = cpuNow(app)
  const machineBefore = proc.machineBusyMs()
  const benchBefore = process.cpuUsage()
  const startedAt = Date.now()
  const rssBefore = rssNow(app)
  let rssPeak = rssBefore
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssNow(app))
  }, 500)
  const from = monotonicUs()
  let result
  try {
    result = await autocannon({ timeout: 30, ...options })
  } finally {
    clearInterval(sampler)
  }
  const to = monotonicUs()
  const answeredAt = Date.now()
  const cpuAnswered = cpuNow(app)
  const rssAfter = rssNow(app)
  const [settled, drainMs] = await Promise.all([
    settle(app, settleRest),
    drain ? drained(app, answeredAt, settleRest.maxWaitMs ?? 120_000) : undefined,
  ])
  const cpuAfter = cpuNow(app)
  const settledAt = Date.now()
  const pgMs = proc.cpuSince(pgBefore, await backendPids(app.db))
  const bench = process.cpuUsage(benchBefore)
  // what the rest of the machine (other people's work, PostgreSQL's own background) took of the cores meanwhile
  const othersMs = proc.machineBusyMs() - machineBefore - (cpuAfter.total - cpuBefore.total) - pgMs - (bench.user + bench.system) / 1000
  const othersPct = (100 * Math.max(0, othersMs)) / ((settledAt - startedAt) * require("node:os").cpus().length)
  const total = result.requests.total
  const per = (ms) => (total ? ms / total : NaN)
  // net of what the idle app would have spent meanwhile
  const idle = (since, until, msPerSecond = app.idleMsPerSecond ?? 0) => (msPerSecond * (until - since)) / 1000
  const groups = cpuGroups(app)
  return {
    label,
    window: { from, to },
    requests: total,
    seconds: result.duration,
    rps: total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuMsPerReq: per(cpuAfter.total - cpuBefore.total - idle(startedAt, settledAt)),
    cpuAnsweringMsPerReq: per(cpuAnswered.total - cpuBefore.total - idle(startedAt, answeredAt)),
    ...(groups.length > 1
      ? {
          byGroup: Object.fromEntries(
            groups.map(({ name }) => {
              const idleRate = app.idleByGroup?.[name] ?? 0
              return [
                name,
                {
                  cpuMsPerReq: per(cpuAfter.byGroup[name] - cpuBefore.byGroup[name] - idle(startedAt, settledAt, idleRate)),
                  cpuAnsweringMsPerReq: per(cpuAnswered.byGroup[name] - cpuBefore.byGroup[name] - idle(startedAt, answeredAt, idleRate)),
                },
              ]
            })
          ),
        }
      : {}),
    ...(drain ? { drainMs } : {}),
    dbCpuMsPerReq: per(pgMs),
    othersPct,
    settled: settled.settled,
    settleMs: settled.ms,
    rssBefore,
    rssPeak,
    rssAfter,
  }
}

module.exports = { measuredRun, settle, measureIdle, monotonicUs, sleep, unsettledEvents, cpuGroups }
