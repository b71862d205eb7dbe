/**
 * One measured load run against the running app: autocannon for the
 * requests, /proc for the CPU the Medusa process group and the bench
 * database's PostgreSQL backends spent on them, including the asynchronous
 * processing after the answers (the run ends when the inbox has nothing
 * received or processing and the server's CPU has settled).
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
  let previous = proc.groupCpuMs(app.server.pid)
  for (let i = 0; i < seconds; i++) {
    await sleep(1000)
    const now = proc.groupCpuMs(app.server.pid)
    samples.push(now - previous)
    previous = now
  }
  samples.sort((a, b) => a - b)
  app.idleMsPerSecond = samples[samples.length >> 1]
  return app.idleMsPerSecond
}

/**
 * Waits until the app is idle again: at least `minWaitMs` (Medusa's built-in route hands its events to
 * the bus with a 5 s delay), then until no event is received/processing and the server spent less than
 * `busyMsPerSecond` CPU above its idle rate in the last second; gives up after `maxWaitMs`. Returns whether it settled.
 */
async function settle(app, { minWaitMs = 0, maxWaitMs = 120_000, busyMsPerSecond = 40 } = {}) {
  const idleMsPerSecond = (app.idleMsPerSecond ?? 0) + busyMsPerSecond
  const start = Date.now()
  if (minWaitMs) await sleep(minWaitMs)
  let previous = proc.groupCpuMs(app.server.pid)
  for (;;) {
    await sleep(1000)
    const now = proc.groupCpuMs(app.server.pid)
    const busy = now - previous
    previous = now
    if (busy < idleMsPerSecond && (await unsettledEvents(app.db)) === 0) return { settled: true, ms: Date.now() - start }
    if (Date.now() - start > maxWaitMs) return { settled: false, ms: Date.now() - start }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs autocannon with `options` (url, method, headers, body or requests, connections, duration,
 * maxOverallRequests), then settles, and returns the figures of the run. `window` receives the run's
 * monotonic time span (for the CPU profile).
 */
async function measuredRun(app, label, options, settleOptions = {}) {
  const pgBefore = proc.cpuSnapshot(await backendPids(app.db))
  const cpuBefore = proc.groupCpuMs(app.server.pid)
  const machineBefore = proc.machineBusyMs()
  const benchBefore = process.cpuUsage()
  const startedAt = Date.now()
  const rssBefore = proc.groupRssMiB(app.server.pid)
  let rssPeak = rssBefore
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, proc.groupRssMiB(app.server.pid))
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
  const cpuAnswered = proc.groupCpuMs(app.server.pid)
  const rssAfter = proc.groupRssMiB(app.server.pid)
  const settled = await settle(app, settleOptions)
  const cpuAfter = proc.groupCpuMs(app.server.pid)
  const settledAt = Date.now()
  const pgMs = proc.cpuSince(pgBefore, await backendPids(app.db))
  const bench = process.cpuUsage(benchBefore)
  // what the rest of the machine (other people's work, PostgreSQL's own background) took of the cores meanwhile
  const othersMs = proc.machineBusyMs() - machineBefore - (cpuAfter - cpuBefore) - pgMs - (bench.user + bench.system) / 1000
  const othersPct = (100 * Math.max(0, othersMs)) / ((settledAt - startedAt) * require("node:os").cpus().length)
  const total = result.requests.total
  const per = (ms) => (total ? ms / total : NaN)
  // net of what the idle server would have spent meanwhile
  const idle = (since, until) => ((app.idleMsPerSecond ?? 0) * (until - since)) / 1000
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
    cpuMsPerReq: per(cpuAfter - cpuBefore - idle(startedAt, settledAt)),
    cpuAnsweringMsPerReq: per(cpuAnswered - cpuBefore - idle(startedAt, answeredAt)),
    dbCpuMsPerReq: per(pgMs),
    othersPct,
    settled: settled.settled,
    settleMs: settled.ms,
    rssBefore,
    rssPeak,
    rssAfter,
  }
}

module.exports = { measuredRun, settle, measureIdle, monotonicUs, sleep, unsettledEvents }
