/**
 * The app the benchmark measures, booted as `npm run demo` boots it:
 * PostgreSQL (DATABASE_URL's server, else the local one at 127.0.0.1:5432,
 * else an embedded one), a fresh database, migrations, the seeded store, the
 * sandbox gateways, then `medusa start` in its own process group.
 */
const fs = require("node:fs")
const path = require("node:path")
const { startPostgres, freePort } = require("../postgres")
const { root, createProcesses, waitForHealth, ensureDatabase, startRedis } = require("../stack")

const DATABASE = "medusa_bench"
const MEDUSA_CLI = path.join(root, "node_modules/@medusajs/cli/cli.js")

/** The server of DATABASE_URL, in the shape `startPostgres` gives. */
function serverOf(databaseUrl) {
  const url = new URL(databaseUrl)
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || "postgres"),
    password: decodeURIComponent(url.password),
    embedded: false,
    fromEnv: true,
    stop: async () => undefined,
  }
}

/**
 * Boots everything; `say` prints a stage. Returns what the benchmark drives:
 * `backend`, `sandbox`, `store` (the seed's ids), `db` (a pg client on the
 * bench database), `server` (the Medusa child; its pid is its process group),
 * `postgres` (where it runs), `stopServer()` (stops that Medusa process only,
 * for `startTopology`) and `stop()`.
 */
async function startApp({ dataDir, providerIds, profileDir, say }) {
  fs.mkdirSync(dataDir, { recursive: true })
  const processes = createProcesses({ logDir: dataDir })
  const started = { processes, postgres: undefined, sandbox: undefined, db: undefined }
  const stop = async () => {
    await started.db?.end().catch(() => undefined)
    await processes.stopAll(20_000)
    await started.sandbox?.close().catch(() => undefined)
    await started.postgres?.stop().catch(() => undefined)
  }
  try {
    let t = Date.now()
    const postgres = process.env.DATABASE_URL
      ? serverOf(process.env.DATABASE_URL)
      : await startPostgres({ dataDir: path.join(dataDir, "pg") })
    started.postgres = postgres
    const databaseUrl = await ensureDatabase(postgres, DATABASE, { fresh: true })
    say(
      `PostgreSQL ${postgres.fromEnv ? "from DATABASE_URL" : postgres.embedded ? "embedded" : "local"} at ` +
        `${postgres.host}:${postgres.port}, fresh database ${DATABASE} (${seconds(t)})`
    )

    require("ts-node").register({ transpileOnly: true, swc: true })
    const { startSandbox } = require("../../sandbox")
    const sandbox = await startSandbox({ port: 0 })
    started.sandbox = sandbox

    const port = await freePort()
    const backend = `http://127.0.0.1:${port}`
    const env = {
      DATABASE_URL: databaseUrl,
      SANDBOX_URL: sandbox.url,
      MEDUSA_BACKEND_URL: backend,
      PORT: String(port),
      DEMO_DATA_DIR: dataDir,
      DEMO_PROVIDER_IDS: providerIds.join(","),
      ADMIN_DISABLED: "true",
      MEDUSA_DISABLE_TELEMETRY: "true",
      NODE_ENV: "production",
    }
    t = Date.now()
    await processes.run(process.execPath, [MEDUSA_CLI, "db:migrate"], env, { logFile: "setup.log" })
    await processes.run(process.execPath, [MEDUSA_CLI, "exec", "./scripts/seed-demo.ts"], env, { logFile: "setup.log" })
    const store = JSON.parse(fs.readFileSync(path.join(dataDir, "store.json"), "utf8"))
    say(`migrated and seeded in ${seconds(t)} (log: ${path.relative(root, dataDir)}/setup.log)`)

    t = Date.now()
    // the heap probe: a full GC and the memory figures on SIGUSR2 (scripts/bench/heap-probe.js)
    const heapFile = path.join(dataDir, "heap.json")
    const nodeFlags = ["--expose-gc", "-r", path.join(__dirname, "heap-probe.js"), ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [])]
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true })
    const server = processes.run(process.execPath, [...nodeFlags, MEDUSA_CLI, "start"], { ...env, BENCH_HEAP_FILE: heapFile }, { background: true, logFile: "medusa.log" })
    const exited = new Promise((resolve) => server.once("exit", (code, signal) => resolve(signal ?? code)))
    await Promise.race([
      waitForHealth(backend, 300_000, `${path.relative(root, dataDir)}/medusa.log`),
      exited.then((how) => {
        throw new Error(`Medusa exited (${how}) while starting; see ${path.relative(root, dataDir)}/medusa.log`)
      }),
    ])
    say(`medusa start (NODE_ENV=production${profileDir ? ", --cpu-prof" : ""}) answers /health at ${backend} after ${seconds(t)} (log: ${path.relative(root, dataDir)}/medusa.log)`)

    const { Client } = require("@medusajs/framework/pg")
    const db = new Client({ connectionString: databaseUrl })
    await db.connect()
    started.db = db
    const app = { backend, sandbox, store, db, server, exited, postgres, databaseUrl, heapFile, stop, env, processes, dataDir, retired: false }
    app.stopServer = async () => {
      app.retired = true
      await processes.stop(server, 20_000)
    }
    return app
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * What the production topology needs before it boots, done while the single process still runs (so that
 * it costs no time of its own): Redis (`redisPlan`, from scripts/stack.js planRedis; flushed or started)
 * and `medusa db:migrate` again with REDIS_URL, for the Redis modules' own migrations (the links and
 * the data scripts were done by the first one). Returns `{ redis, seconds }`; `redis.stop()` is the caller's.
 */
async function prepareTopology(app, { redisPlan }) {
  const t = Date.now()
  const redis = await startRedis(redisPlan, { processes: app.processes, logDir: app.dataDir })
  try {
    await app.processes.run(process.execPath, [MEDUSA_CLI, "db:migrate", "--skip-links", "--skip-scripts"], { ...app.env, REDIS_URL: redis.url }, { logFile: "setup.log" })
  } catch (error) {
    await redis.stop()
    throw error
  }
  return { redis, seconds: (Date.now() - t) / 1000 }
}

/**
 * The production topology on the same database and sandbox, with the Redis `prepareTopology` readied:
 * the single `medusa start` stopped (it would otherwise retry, with its scheduled jobs, events the
 * worker has not reached yet), Redis flushed, then two `medusa start` processes with REDIS_URL
 * (medusa-config.ts switches to Medusa's Redis event bus, workflow engine and locking):
 * MEDUSA_WORKER_MODE=server answering HTTP and MEDUSA_WORKER_MODE=worker running subscribers and
 * scheduled jobs (Medusa 2.x still has it answer /health, on a port of its own). Returns an app-like
 * object for scenarios.js/load.js (`backend` is the server instance; `cpuGroups` the two process
 * groups) with `failed` (rejects if either exits) and `stop()` (the two instances; not Redis).
 */
async function startTopology(app, { redis, say }) {
  const { processes, dataDir } = app
  const children = []
  let stopping = false
  const stop = async () => {
    stopping = true
    await Promise.all(children.map((child) => processes.stop(child, 20_000)))
  }
  try {
    let t = Date.now()
    await app.stopServer()
    await redis.flush()
    say(`the single medusa start stopped, ${redis.description} flushed (${seconds(t)})`)

    t = Date.now()
    const env = { ...app.env, REDIS_URL: redis.url }
    const [serverPort, workerPort] = [await freePort(), await freePort()]
    const backend = `http://127.0.0.1:${serverPort}`
    const workerUrl = `http://127.0.0.1:${workerPort}`
    const boot = (mode, port, url) => {
      const child = processes.run(process.execPath, [MEDUSA_CLI, "start"], { ...env, MEDUSA_WORKER_MODE: mode, PORT: String(port), MEDUSA_BACKEND_URL: backend }, { background: true, logFile: `medusa-${mode}.log` })
      children.push(child)
      const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)))
      const log = `${path.relative(root, dataDir)}/medusa-${mode}.log`
      const healthy = Promise.race([
        waitForHealth(url, 300_000, log),
        exited.then((how) => {
          throw new Error(`medusa start (${mode}) exited (${how}) while starting; see ${log}`)
        }),
      ])
      return { child, exited, healthy, log }
    }
    const server = boot("server", serverPort, backend)
    const worker = boot("worker", workerPort, workerUrl)
    await Promise.all([server.healthy, worker.healthy])
    say(`medusa start with REDIS_URL: MEDUSA_WORKER_MODE=server at ${backend}, worker at ${workerUrl}, both answer /health after ${seconds(t)} (logs: ${server.log}, ${worker.log})`)
    const failed = Promise.race(
      [server, worker].map(({ exited, log }, i) =>
        exited.then((how) => {
          if (!stopping) throw new Error(`medusa start (${i ? "worker" : "server"}) exited (${how}) during the benchmark; see ${log}`)
          return new Promise(() => undefined)
        })
      )
    )
    failed.catch(() => undefined)
    return {
      backend,
      workerUrl,
      sandbox: app.sandbox,
      store: app.store,
      db: app.db,
      server: server.child,
      worker: worker.child,
      cpuGroups: [
        { name: "server", pid: server.child.pid },
        { name: "worker", pid: worker.child.pid },
      ],
      redis: redis.description,
      failed,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`

module.exports = { startApp, prepareTopology, startTopology, DATABASE }
