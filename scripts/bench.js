#!/usr/bin/env node
/**
 * `npm run bench`: how fast the real app takes gateway webhooks in (issue 11,
 * "Fast webhook intake"), printed next to baselines measured in the same run,
 * not asserted. Boots the app as `npm run demo` does (PostgreSQL, a fresh
 * `medusa_bench` database, migrations, the seed, the sandbox gateways,
 * `medusa start` with NODE_ENV=production), opens real payment sessions
 * through the Store API, and sends genuine signed webhooks for them with
 * autocannon: duplicates, fresh events, storefront checkouts, checkouts as the
 * shop's history grows (0, 100,000 and 1,000,000 gateway orders), 10,000 webhooks
 * for memory, a 100,000-event inbox; plus each gateway's verify in-process.
 * Then the production topology: the single process stopped, a `server` and
 * a `worker` instance (MEDUSA_WORKER_MODE) on Redis (REDIS_URL: the local
 * Redis at 127.0.0.1:6379 in database BENCH_REDIS_DB, default 9, flushed;
 * else `redis-server` on a free port; else skipped, saying why;
 * BENCH_TOPOLOGY=0 skips it) take fresh events the same way.
 * Interleaved rounds, medians. About 11 minutes on 2 cores; BENCH_QUICK=1
 * about 4; BENCH_PROFILE=1 runs the single Medusa under `node --cpu-prof` and
 * says where its CPU went. Logs and every figure: .bench-data/ (setup.log,
 * medusa.log, medusa-server.log, medusa-worker.log, results.json).
 */
const os = require("node:os")
const path = require("node:path")
const fs = require("node:fs")
const { startApp, prepareTopology, startTopology } = require("./bench/app")
const { machineLoad } = require("./bench/proc")
const { runVerifyBench, otherHotPaths } = require("./bench/verify")
const { printReport, medianRun } = require("./bench/report")
const { newestProfile, summarize } = require("./bench/profile")
const { root, planRedis } = require("./stack")

const QUICK = process.env.BENCH_QUICK === "1"
const PROFILE = process.env.BENCH_PROFILE === "1"
const TOPOLOGY = process.env.BENCH_TOPOLOGY !== "0"
const REDIS_DB = Number(process.env.BENCH_REDIS_DB ?? 9)
const dataDir = path.resolve(root, process.env.BENCH_DATA_DIR ?? ".bench-data")
const profileDir = path.join(dataDir, "profile")

const PLAN = QUICK
  ? { rounds: 1, warmUp: 150, dupSeconds: 3, freshSeconds: 3, freshCap: 100, freshPool: 3, otherSeconds: 0, checkoutsPer: 1, rssWebhooks: 2000, historyLevels: [0, 100_000], historyCheckouts: 3, inboxRounds: 1, inboxSeconds: 3, inboxCap: 100, fill: 100_000, verifyRounds: 3, verifyMs: 60, topoRounds: 1, topoSeconds: 60, topoCap: 300, topoWarmUp: 100 }
  : { rounds: 3, warmUp: 300, dupSeconds: 10, freshSeconds: 10, freshCap: 450, freshPool: 8, otherSeconds: 5, checkoutsPer: 4, rssWebhooks: 10_000, historyLevels: [0, 100_000, 1_000_000], historyCheckouts: 7, inboxRounds: 2, inboxSeconds: 8, inboxCap: 400, fill: 100_000, verifyRounds: 3, verifyMs: 200, topoRounds: 2, topoSeconds: 60, topoCap: 500, topoWarmUp: 150 }

const PROVIDERS = ["pp_romb_romb", "pp_rubitpay_rubitpay", "pp_rubitpay_hold", "pp_exchanger_obmin", "pp_exchanger_pocketbank", "pp_system_default"]

const started = Date.now()
const say = (message) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`)

let app
let pair
let redis
let stopping
async function stop() {
  stopping ??= (async () => {
    await pair?.stop()
    await redis?.stop()
    await app?.stop()
  })()
  await stopping
}

/** Runs one section; a failure is reported at the end and the other sections go on. */
async function section(results, name, fn) {
  try {
    return await fn()
  } catch (error) {
    const message = `${name}: ${error.response ? `HTTP ${error.response.status} ${JSON.stringify(error.response.data).slice(0, 300)}` : error.stack ?? error.message}`
    results.errors.push(message)
    say(`${name} FAILED: ${message}`)
    return undefined
  }
}

async function main() {
  process.on("SIGINT", () => stop().then(() => process.exit(130)))
  process.on("SIGTERM", () => stop().then(() => process.exit(143)))
  fs.mkdirSync(dataDir, { recursive: true })
  for (const log of ["setup.log", "medusa.log", "medusa-server.log", "medusa-worker.log", "redis.log"]) fs.rmSync(path.join(dataDir, log), { force: true })
  if (PROFILE) fs.rmSync(profileDir, { recursive: true, force: true })
  const results = { mode: `${QUICK ? "BENCH_QUICK=1" : "full"}${PROFILE ? ", BENCH_PROFILE=1" : ""}`, plan: PLAN, errors: [] }
  const loadStart = machineLoad()
  say(`${QUICK ? "quick" : "full"} run${PROFILE ? " with a CPU profile" : ""}; load average ${loadStart.loadavg1}`)

  // in-process first, on an idle machine (no server yet)
  require("ts-node").register({ transpileOnly: true, swc: true })
  results.verify = await section(results, "verify", () => runVerifyBench({ rounds: PLAN.verifyRounds, msPerOp: PLAN.verifyMs }))
  results.otherHotPaths = await section(results, "other hot paths", () => otherHotPaths(PLAN.verifyMs / 2))
  say("verify micro-benchmarks done")

  app = await startApp({ dataDir, providerIds: PROVIDERS, profileDir: PROFILE ? profileDir : undefined, say })
  app.exited.then((how) => {
    if (!stopping && !app.retired) {
      say(`Medusa exited (${how}) during the benchmark; see ${path.relative(root, dataDir)}/medusa.log`)
      stop().then(() => process.exit(1))
    }
  })
  results.bootSeconds = (Date.now() - started) / 1000
  const s = require("./bench/scenarios")
  // the server + worker section's Redis and migration, while the sessions are opened (never rejects)
  const topologyReady = readyTopology()

  // every session the runs need, through the Store API, before any load
  const t = Date.now()
  const wanted = [
    "pp_romb_romb", // duplicates
    ...Array(PLAN.freshPool).fill("pp_romb_romb"),
    ...(PLAN.otherSeconds ? PROVIDERS.filter((p) => p !== "pp_romb_romb" && p !== "pp_system_default") : []),
    ...Array.from({ length: PLAN.checkoutsPer }, () => PROVIDERS).flat(),
  ]
  const prepared = await s.pool(wanted, 3, (providerId, i) => s.prepareSession(app, providerId, i))
  let at = 0
  const dupSession = prepared[at++]
  const freshSessions = prepared.slice(at, (at += PLAN.freshPool))
  const otherSessions = PLAN.otherSeconds ? prepared.slice(at, (at += PROVIDERS.length - 2)) : []
  const checkoutSessions = prepared.slice(at)
  say(`${prepared.length} payment sessions opened through the Store API in ${((Date.now() - t) / 1000).toFixed(1)} s`)
  // nothing else may run while the single process is measured
  const topology = await topologyReady
  if (topology.redis) say(`ready for the server + worker section: ${topology.redis.description}, migrated with REDIS_URL in ${topology.seconds.toFixed(1)} s (alongside)`)

  // the duplicated body is Romb's paid word, delivered once for real first (the cart becomes an order)
  await s.payAndWait(app, dupSession)
  const dupHook = dupSession.hooks.build(dupSession.gateway.paid)
  const idle = await s.warmUp(app, { dupHook, freshSessions, requests: PLAN.warmUp })
  say(`warmed up; the idle server spends ${idle} ms CPU per second (runs are charged net of it)`)
  results.idleMsPerSecond = idle

  const dupRuns = await section(results, "duplicates", () => s.duplicateRuns(app, dupHook, { rounds: PLAN.rounds, seconds: PLAN.dupSeconds }, say))
  if (dupRuns) results.dup = { plugin: medianRun(dupRuns.plugin), builtin: medianRun(dupRuns.builtin), health: medianRun(dupRuns.health) }
  if (otherSessions.length) results.other = await section(results, "other gateways", () => s.otherGatewayRuns(app, otherSessions, { seconds: PLAN.otherSeconds }, say))
  const freshRuns = await section(results, "fresh events", () =>
    s.freshRuns(app, freshSessions, { rounds: PLAN.rounds, seconds: PLAN.freshSeconds, cap: PLAN.freshCap }, say)
  )
  if (freshRuns) results.fresh = { plugin: medianRun(freshRuns.plugin), builtin: medianRun(freshRuns.builtin) }
  results.checkouts = await section(results, "checkouts", () => s.checkoutRuns(app, checkoutSessions, say))
  results.history = await section(results, "history", () => s.historyRuns(app, { levels: PLAN.historyLevels, checkouts: PLAN.historyCheckouts }, say))
  results.memory = await section(results, "memory", () => s.memoryRun(app, dupHook, PLAN.rssWebhooks))
  if (results.memory) {
    const m = results.memory
    say(`memory around ${m.requests} webhooks: RSS ${m.rssBefore.toFixed(0)} -> ${m.rssAfter.toFixed(0)} MiB; after a full GC ${m.gcBefore?.rss.toFixed(0)} -> ${m.gcAfter?.rss.toFixed(0)} MiB, heap ${m.gcBefore?.heapUsed.toFixed(0)} -> ${m.gcAfter?.heapUsed.toFixed(0)} MiB`)
  }
  results.inbox = await section(results, "full inbox", () =>
    s.inboxRuns(app, freshSessions, { rounds: PLAN.inboxRounds, seconds: PLAN.inboxSeconds, cap: PLAN.inboxCap, fill: PLAN.fill }, say)
  )

  // last: it stops the single process
  const topologyStart = Date.now()
  results.topology = await section(results, "server + worker", () => topologySection(s, topology, freshSessions))
  if (results.topology) results.topology.seconds = (Date.now() - topologyStart) / 1000

  const { rows } = await app.db.query("select version()")
  results.machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? "?",
    memGiB: (os.totalmem() / 2 ** 30).toFixed(0),
    node: process.version,
    postgres: `${app.postgres.fromEnv ? "from DATABASE_URL" : app.postgres.embedded ? "embedded" : "local server"} (${rows[0].version.split(" ").slice(0, 2).join(" ")})`,
    medusa: require("@medusajs/medusa/package.json").version,
    autocannon: require("autocannon/package.json").version,
    loadStart: loadStart.loadavg1,
    loadEnd: machineLoad().loadavg1,
  }

  say("stopping Medusa, the sandbox and PostgreSQL …")
  await stop()
  if (PROFILE) {
    results.profile = await section(results, "profile", () => profileSections(dupRuns, freshRuns))
  }
  results.seconds = (Date.now() - started) / 1000
  printReport(results)
  // every figure, to compare runs (`node -e` with scripts/bench/report.js printReport re-prints it)
  const saved = { ...results, checkouts: results.checkouts && Object.fromEntries(results.checkouts) }
  fs.writeFileSync(path.join(dataDir, "results.json"), JSON.stringify(saved, null, 2))
  console.log(`(all figures: ${path.relative(root, path.join(dataDir, "results.json"))})`)
  if (results.errors.length) process.exitCode = 1
}

/**
 * Redis (the local one's database REDIS_DB flushed, else redis-server on a free port) and the migration
 * with REDIS_URL for the server + worker section: `{ redis, seconds }`, `{ skipped }` with the reason
 * (no Redis, BENCH_TOPOLOGY=0) or `{ error }`.
 */
async function readyTopology() {
  try {
    if (!TOPOLOGY) return { skipped: "BENCH_TOPOLOGY=0" }
    const redisPlan = await planRedis({ db: REDIS_DB })
    if (redisPlan.kind === "none") {
      say(`the server + worker section will be skipped: ${redisPlan.reason}`)
      return { skipped: redisPlan.reason }
    }
    const ready = await prepareTopology(app, { redisPlan })
    redis = ready.redis
    return ready
  } catch (error) {
    return { error }
  }
}

/**
 * Fresh events on the production topology (a server and a worker instance on Redis; app.js
 * startTopology) on the same database, its inbox emptied first (the full-inbox section leaves 100,000
 * events), with the same sessions; `{ skipped }` with the reason when there is no Redis.
 */
async function topologySection(s, topology, freshSessions) {
  if (topology.skipped) return { skipped: topology.skipped }
  if (topology.error) throw topology.error
  const t = Date.now()
  await app.db.query("truncate gateway_event")
  await app.db.query("analyze gateway_event")
  pair = await startTopology(app, { redis: topology.redis, say })
  const bootSeconds = (Date.now() - t) / 1000
  try {
    const runs = await Promise.race([
      s.topologyRuns(pair, freshSessions, { rounds: PLAN.topoRounds, seconds: PLAN.topoSeconds, cap: PLAN.topoCap, warmUp: PLAN.topoWarmUp }, say),
      pair.failed,
    ])
    return {
      redis: pair.redis,
      plugin: medianRun(runs.plugin),
      runs: runs.plugin,
      idleMsPerSecond: runs.idleMsPerSecond,
      idleByGroup: runs.idleByGroup,
      migrateSeconds: topology.seconds,
      bootSeconds,
    }
  } finally {
    say("stopping the server and worker instances …")
    await pair.stop()
    await redis.stop()
  }
}

/** The profile's self time during the plugin route's duplicate runs and its fresh-event runs (processing included). */
function profileSections(dupRuns, freshRuns) {
  const file = newestProfile(profileDir)
  if (!file) throw new Error(`no .cpuprofile in ${path.relative(root, profileDir)} (did Medusa exit cleanly?)`)
  // a fresh run's window reaches to the end of its processing
  const windows = (runs) => (runs ?? []).map((r) => ({ from: r.window.from, to: r.window.to + r.settleMs * 1000 }))
  return {
    file: path.relative(root, file),
    sections: [
      { title: "plugin route, duplicate webhooks", ...summarize(file, windows(dupRuns?.plugin)) },
      { title: "Medusa built-in route, duplicate webhooks (with its processing 5 s later)", ...summarize(file, windows(dupRuns?.builtin)) },
      { title: "plugin route, fresh events (with their processing)", ...summarize(file, windows(freshRuns?.plugin)) },
    ],
  }
}

main().catch(async (error) => {
  console.error(`[bench] ${error.response ? `HTTP ${error.response.status} ${JSON.stringify(error.response.data)}` : error.stack ?? error.message}`)
  await stop()
  process.exit(1)
})
