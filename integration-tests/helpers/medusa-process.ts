import { ChildProcess, spawn, spawnSync } from "node:child_process"
import fs from "node:fs"
import net from "node:net"
import path from "node:path"
import { Client } from "@medusajs/framework/pg"
import type { SeededStore } from "./seed-store"

/**
 * Real `medusa start` processes of this repository's app (medusa-config.ts,
 * `src/` loaded as the project), or of another app directory (`appDir`: the
 * compatibility suite's apps, with their own Medusa), against a database of their own, for suites
 * that need several instances, Redis, or a real kill: what package.spec.ts
 * does for one boot, made reusable. Every process runs in its own process
 * group (so a signal reaches whatever it spawned) and logs to
 * `.test-data/<name>.log`.
 */

export const ROOT = path.resolve(__dirname, "../..")
export const TEST_DATA = path.join(ROOT, ".test-data")
/** The `medusa` command of an app: the CLI in its own node_modules. */
const medusaCli = (appDir: string) => path.join(appDir, "node_modules/@medusajs/cli/cli.js")

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
    server.once("error", reject)
  })
}

/* ------------------------------------------------------------------ Redis */

/** The Redis used when it answers: the local server, in a database of the suite's own (FLUSHDB first). */
export const LOCAL_REDIS = { host: "127.0.0.1", port: 6379, db: Number(process.env.TEST_REDIS_DB ?? 7) }

export type RedisPlan =
  | { kind: "local"; url: string; description: string }
  | { kind: "binary"; binary: string; description: string }
  | { kind: "none"; reason: string }

/**
 * Decided synchronously, when a suite file is loaded (so it can `it.skip`
 * with a reason, never pass silently): the local Redis at 127.0.0.1:6379 if
 * it answers PING; else a `redis-server` binary to start on a free port
 * (`REDIS_SERVER_BIN`, /usr/bin/redis-server, or one on the PATH); else none.
 * `db`: the local Redis's database (default LOCAL_REDIS.db), so that suites
 * do not flush each other's.
 */
export function planRedis({ db = LOCAL_REDIS.db }: { db?: number } = {}): RedisPlan {
  const { host, port } = LOCAL_REDIS
  const probe = spawnSync(
    process.execPath,
    [
      "-e",
      `const s = require("net").connect(${port}, ${JSON.stringify(host)});
       const fail = () => process.exit(1);
       s.setTimeout(1500, fail); s.on("error", fail);
       s.on("connect", () => s.write("*1\\r\\n$4\\r\\nPING\\r\\n"));
       s.on("data", (d) => process.exit(String(d).startsWith("+PONG") ? 0 : 1));`,
    ],
    { timeout: 5000 }
  )
  if (probe.status === 0) {
    return { kind: "local", url: `redis://${host}:${port}/${db}`, description: `Redis at ${host}:${port}, database ${db}` }
  }
  const candidates = [process.env.REDIS_SERVER_BIN, "/usr/bin/redis-server", "/usr/local/bin/redis-server"]
  const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" })
  if (which.status === 0 && which.stdout.trim()) candidates.push(which.stdout.trim())
  const binary = candidates.find((c): c is string => !!c && fs.existsSync(c))
  if (binary) return { kind: "binary", binary, description: `${binary} started on a free port` }
  return {
    kind: "none",
    reason:
      `no Redis: nothing answers PING at ${host}:${port} and no redis-server binary was found ` +
      "(set REDIS_SERVER_BIN, or install redis-server)",
  }
}

/**
 * What a suite on real instances and Redis shares: its Redis plan, decided
 * when the file is loaded (without Redis `test` is `it.skip` and the reason is
 * printed, never a silent pass), and its measured figures, printed as they
 * come (`report`) and written with the suite's total time to
 * `.test-data/<name>-results.json` (`saveResults`).
 */
export function redisSuite(name: string, { db, results = {} }: { db?: number; results?: Record<string, unknown> } = {}) {
  const plan = planRedis({ db })
  if (plan.kind === "none") console.warn(`[${name}] SKIPPED: ${plan.reason}`)
  const started = Date.now()
  return {
    plan,
    test: plan.kind === "none" ? it.skip : it,
    results,
    report(key: string, value: unknown) {
      results[key] = value
      console.log(`[${name}] ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    },
    saveResults() {
      results.total = `${((Date.now() - started) / 1000).toFixed(1)} s`
      fs.mkdirSync(TEST_DATA, { recursive: true })
      fs.writeFileSync(path.join(TEST_DATA, `${name}-results.json`), JSON.stringify(results, null, 2))
    },
  }
}

export type TestRedis = { url: string; description: string; stop(): Promise<void> }

/** The Redis of a plan, empty: the local one's database flushed, or a fresh server from the binary. */
export async function startRedis(plan: Exclude<RedisPlan, { kind: "none" }>): Promise<TestRedis> {
  if (plan.kind === "local") {
    await redisCommand(plan.url, ["FLUSHDB"])
    return { url: plan.url, description: plan.description, stop: async () => void (await redisCommand(plan.url, ["FLUSHDB"]).catch(() => undefined)) }
  }
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(TEST_DATA, "redis-"))
  const child = spawn(plan.binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: ["ignore", fs.openSync(path.join(TEST_DATA, "redis.log"), "w"), fs.openSync(path.join(TEST_DATA, "redis.log"), "a")],
    detached: true,
  })
  const url = `redis://127.0.0.1:${port}/0`
  const deadline = Date.now() + 10_000
  for (;;) {
    if ((await redisCommand(url, ["PING"]).catch(() => undefined)) === "PONG") break
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${plan.binary} did not answer on port ${port}; see .test-data/redis.log`)
    await sleep(100)
  }
  return {
    url,
    description: `${plan.binary} on port ${port}`,
    stop: async () => {
      signalGroup(child, "SIGKILL")
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

type RespValue = string | number | null | RespValue[]

/**
 * One Redis command (after SELECT of the URL's database, and AUTH if the URL
 * has a password) over a raw connection: enough RESP for the tests' own
 * FLUSHDB, PING and key inspection, without a client library. The same
 * client the bench and the demo use (scripts/stack.js).
 */
export const redisCommand: (url: string, args: string[]) => Promise<RespValue> = require("../../scripts/stack").redisCommand

/* --------------------------------------------------------------- Database */

/** The PostgreSQL the global setup chose (integration-tests/global-setup.ts). */
function postgresServer() {
  return {
    host: process.env.DB_HOST ?? "localhost",
    port: Number(process.env.DB_PORT ?? 5432),
    user: process.env.DB_USERNAME ?? "postgres",
    password: process.env.DB_PASSWORD ?? "",
  }
}

export function databaseUrl(name: string) {
  const { host, port, user, password } = postgresServer()
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(name)}`
}

async function withWaitingRoom<T>(work: (client: InstanceType<typeof Client>) => Promise<T>): Promise<T> {
  const client = new Client({ ...postgresServer(), database: process.env.DB_WAITINGROOM_DATABASE ?? "postgres" })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

async function dropDatabase(client: InstanceType<typeof Client>, name: string) {
  await client.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name])
  await client.query(`drop database if exists "${name}"`)
}

/** An empty database of that name (dropped first if it exists), and how to drop it. */
export async function createFreshDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  await withWaitingRoom(async (client) => {
    await dropDatabase(client, name)
    await client.query(`create database "${name}"`)
  })
  return { url: databaseUrl(name), drop: () => withWaitingRoom((client) => dropDatabase(client, name)) }
}

export type PreparedDatabase = {
  name: string
  url: string
  store: SeededStore
  /** Seconds: migrating, seeding. */
  timings: { migrate: number; seed: number }
  drop(): Promise<void>
}

/**
 * A fresh database for the app: dropped if it exists, created, migrated with
 * `medusa db:migrate` and seeded with the store of seed-store.ts through
 * `medusa exec ./scripts/seed-demo.ts`, with the same environment the
 * instances get (`env`, e.g. REDIS_URL, so that exactly the modules they run
 * are migrated). Output goes to `.test-data/<name>-setup.log`. `appDir`: the
 * app to run (default: this repository), which must have the seed script at
 * the same relative path.
 */
export async function prepareDatabase(
  name: string,
  { providerIds, env = {}, appDir = ROOT }: { providerIds: string[]; env?: NodeJS.ProcessEnv; appDir?: string }
): Promise<PreparedDatabase> {
  fs.mkdirSync(TEST_DATA, { recursive: true })
  const { url, drop } = await createFreshDatabase(name)
  const dataDir = path.join(TEST_DATA, name)
  fs.mkdirSync(dataDir, { recursive: true })
  const logFile = path.join(TEST_DATA, `${name}-setup.log`)
  fs.writeFileSync(logFile, "")
  const setupEnv = {
    ...env,
    DATABASE_URL: url,
    DEMO_DATA_DIR: dataDir,
    DEMO_PROVIDER_IDS: providerIds.join(","),
  }
  let t = Date.now()
  await runMedusa(["db:migrate"], setupEnv, logFile, appDir)
  const migrate = (Date.now() - t) / 1000
  t = Date.now()
  await runMedusa(["exec", "./scripts/seed-demo.ts"], setupEnv, logFile, appDir)
  const seed = (Date.now() - t) / 1000
  const store = JSON.parse(fs.readFileSync(path.join(dataDir, "store.json"), "utf8")) as SeededStore
  return {
    name,
    url,
    store,
    timings: { migrate, seed },
    drop,
  }
}

/**
 * An admin user of the database's app, made with `medusa user` (output in
 * `.test-data/<name>-setup.log`), for suites whose instances are real
 * processes: log in with `POST /auth/user/emailpass`.
 */
export async function createAdminUser(
  database: Pick<PreparedDatabase, "name" | "url">,
  { email, password, env = {}, appDir = ROOT }: { email: string; password: string; env?: NodeJS.ProcessEnv; appDir?: string }
): Promise<void> {
  await runMedusa(["user", "-e", email, "-p", password], { ...env, DATABASE_URL: database.url }, path.join(TEST_DATA, `${database.name}-setup.log`), appDir)
}

/** The environment every Medusa process of these helpers gets, on top of the caller's. */
function medusaEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    ADMIN_DISABLED: "true",
    MEDUSA_DISABLE_TELEMETRY: "true",
    ...env,
  }
  // jest's own settings are not the app's
  delete base.NODE_OPTIONS
  delete base.JEST_WORKER_ID
  return base
}

export function runMedusa(args: string[], env: NodeJS.ProcessEnv, logFile: string, appDir = ROOT): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.appendFileSync(logFile, `\n$ medusa ${args.join(" ")}\n`)
    const out = fs.openSync(logFile, "a")
    const child = spawn(process.execPath, [medusaCli(appDir), ...args], { cwd: appDir, env: medusaEnv(env), stdio: ["ignore", out, out], detached: true })
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 300_000)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      fs.closeSync(out)
      if (code === 0) resolve()
      else reject(new Error(`medusa ${args.join(" ")} exited with ${signal ?? code}; see ${path.relative(ROOT, logFile)}:\n${tail(logFile, 30)}`))
    })
  })
}

/* -------------------------------------------------------------- Instances */

export type WorkerMode = "shared" | "server" | "worker"

export type MedusaInstance = {
  name: string
  mode: WorkerMode
  port: number
  url: string
  pid: number
  logFile: string
  /** When `start` was called and when /health first answered (ms since the epoch). */
  startedAt: number
  healthyAt?: number
  /** Resolves when the process group's leader has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  alive(): boolean
  /** The log so far. */
  log(): string
  /** Sends `signal` to the whole process group and waits (up to `timeoutMs`) for the exit. */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGTERM (Medusa's graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

export type MedusaProcesses = {
  /** Starts `medusa start` as `name` in `mode`; resolves once /health answers. */
  start(name: string, mode: WorkerMode, options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<MedusaInstance>
  instances: MedusaInstance[]
  stopAll(graceMs?: number): Promise<void>
}

/**
 * `medusa start` processes on one database (and Redis, when `redisUrl` is
 * given), each on a free port, with DATABASE_URL (its name as
 * `application_name`), REDIS_URL, MEDUSA_WORKER_MODE, SANDBOX_URL (the global
 * setup's sandbox) and its own MEDUSA_BACKEND_URL; of `appDir` (default: this repository).
 */
export function medusaProcesses({
  databaseUrl,
  redisUrl,
  env = {},
  appDir = ROOT,
}: {
  databaseUrl: string
  redisUrl?: string
  env?: NodeJS.ProcessEnv
  appDir?: string
}): MedusaProcesses {
  const instances: MedusaInstance[] = []

  async function start(name: string, mode: WorkerMode, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
    fs.mkdirSync(TEST_DATA, { recursive: true })
    const port = await freePort()
    const url = `http://localhost:${port}`
    const logFile = path.join(TEST_DATA, `${name}.log`)
    fs.writeFileSync(logFile, "")
    const out = fs.openSync(logFile, "a")
    const startedAt = Date.now()
    const child = spawn(process.execPath, [medusaCli(appDir), "start", "--port", String(port)], {
      cwd: appDir,
      env: medusaEnv({
        ...env,
        // its name as PostgreSQL's application_name: pg_stat_activity tells the instances' connections apart
        DATABASE_URL: `${databaseUrl}${databaseUrl.includes("?") ? "&" : "?"}application_name=${encodeURIComponent(name)}`,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
        MEDUSA_WORKER_MODE: mode,
        SANDBOX_URL: process.env.SANDBOX_URL,
        MEDUSA_BACKEND_URL: url,
        PORT: String(port),
        ...options.env,
      }),
      stdio: ["ignore", out, out],
      detached: true,
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => {
        fs.closeSync(out)
        resolve({ code, signal })
      })
    )
    const instance: MedusaInstance = {
      name,
      mode,
      port,
      url,
      pid: child.pid!,
      logFile,
      startedAt,
      exited,
      alive: () => child.exitCode === null && child.signalCode === null,
      log: () => fs.readFileSync(logFile, "utf8"),
      async kill(signal, timeoutMs = 30_000) {
        signalGroup(child, signal)
        const outcome = await Promise.race([exited, sleep(timeoutMs).then(() => undefined)])
        if (!outcome) throw new Error(`${name} (pid ${child.pid}) did not exit within ${timeoutMs} ms of ${signal}`)
        return outcome
      },
      async stop(graceMs = 15_000) {
        if (!instance.alive()) return
        signalGroup(child, "SIGTERM")
        if (!(await Promise.race([exited, sleep(graceMs).then(() => undefined)]))) {
          signalGroup(child, "SIGKILL")
          await exited
        }
      },
    }
    instances.push(instance)
    await waitForHealth(instance, child, options.timeoutMs ?? 240_000)
    instance.healthyAt = Date.now()
    return instance
  }

  async function stopAll(graceMs = 15_000) {
    await Promise.all(instances.map((instance) => instance.stop(graceMs)))
  }

  return { start, instances, stopAll }
}

async function waitForHealth(instance: MedusaInstance, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${instance.name} exited (${child.signalCode ?? child.exitCode}) before answering /health; ${path.relative(ROOT, instance.logFile)}:\n${tail(instance.logFile, 40)}`)
    }
    const ok = await fetch(`${instance.url}/health`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.status === 200)
      .catch(() => false)
    if (ok) return
    if (Date.now() > deadline) {
      signalGroup(child, "SIGKILL")
      throw new Error(`${instance.name} did not answer /health within ${timeoutMs / 1000} s; see ${path.relative(ROOT, instance.logFile)}`)
    }
    await sleep(500)
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    // already gone
  }
}

function tail(file: string, lines: number) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return ""
  }
}
