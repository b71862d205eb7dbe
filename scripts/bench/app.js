/**
 * The app the benchmark measures, booted as `npm run demo` boots it:
 * PostgreSQL (DATABASE_URL's server, else the local one at 127.0.0.1:5432,
 * else an embedded one), a fresh database, migrations, the seeded store, the
 * sandbox gateways, then `medusa start` in its own process group.
 */
const fs = require("node:fs")
const path = require("node:path")
const { startPostgres, freePort } = require("../postgres")
const { root, createProcesses, waitForHealth, ensureDatabase } = require("../stack")

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
 * `postgres` (where it runs) and `stop()`.
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
    return { backend, sandbox, store, db, server, exited, postgres, databaseUrl, heapFile, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`

module.exports = { startApp, DATABASE }
