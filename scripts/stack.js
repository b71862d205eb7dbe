/**
 * What `npm run demo` and `npm run bench` share to run the real app on this
 * machine: child processes in their own process groups with their output in
 * log files, a database of their own, waiting for Medusa's /health, and the
 * storefront's steps from an empty cart to a payment session.
 */
const { spawn } = require("node:child_process")
const { performance } = require("node:perf_hooks")
const fs = require("node:fs")
const net = require("node:net")
const path = require("node:path")
const axios = require("axios")

const root = path.join(__dirname, "..")

/**
 * Child processes of one script. Every child runs in its own process group
 * (`detached`), so that stopping it stops what it spawned too: `npx` -> `sh`
 * -> `medusa` -> forked workers. A plain `child.kill()` only reaches `npx` and
 * leaves the server running.
 */
function createProcesses({ logDir }) {
  const children = []

  /**
   * Runs a command with its output in a log file under `logDir` (the terminal
   * shows the script's stages only). Background: returns the child; otherwise
   * resolves when it exits with 0, and rejects naming the log.
   */
  function run(command, args, env, { background = false, logFile }) {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    })
    children.push(child)
    child.on("exit", () => children.splice(children.indexOf(child), 1))
    const log = fs.createWriteStream(path.join(logDir, logFile), { flags: "a" })
    child.stdout.pipe(log)
    child.stderr.pipe(log)
    if (background) return child
    return new Promise((resolve, reject) =>
      child.on("exit", (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`${command} ${args.join(" ")} exited with ${code}; see ${path.relative(root, logDir)}/${logFile}`))
      )
    )
  }

  /** SIGTERM to every child's group, SIGKILL to whatever is left after `graceMs`. */
  async function stopAll(graceMs = 10_000) {
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null)
    if (!alive.length) return
    const exited = Promise.all(alive.map((c) => new Promise((r) => c.once("exit", r))))
    for (const child of alive) signalGroup(child, "SIGTERM")
    const timer = new Promise((r) => setTimeout(r, graceMs, "timeout"))
    if ((await Promise.race([exited, timer])) === "timeout") {
      for (const child of alive) signalGroup(child, "SIGKILL")
    }
  }

  /** SIGTERM to one child's group, SIGKILL after `graceMs`; resolves when it has exited. */
  async function stop(child, graceMs = 10_000) {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once("exit", r))
    signalGroup(child, "SIGTERM")
    if ((await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs, "timeout"))])) === "timeout") {
      signalGroup(child, "SIGKILL")
      await exited
    }
  }

  return { run, stop, stopAll, children }
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/** Resolves once `GET {backend}/health` answers; `logHint` names the log to read otherwise. */
async function waitForHealth(backend, timeoutMs, logHint) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      await axios.get(`${backend}/health`, { timeout: 2000 })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
  throw new Error(`Medusa did not become healthy within ${timeoutMs / 1000} s; see ${logHint}`)
}

/**
 * The URL of database `name` on a server `startPostgres` gave, created if
 * missing; `fresh` drops it first (closing whatever is still connected to it).
 */
async function ensureDatabase(postgres, name, { fresh = false } = {}) {
  const { Client } = require("@medusajs/framework/pg")
  const admin = new Client({ host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, database: "postgres" })
  await admin.connect()
  try {
    if (fresh) {
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name])
      await admin.query(`drop database if exists "${name}"`)
    }
    const exists = await admin.query("select 1 from pg_database where datname = $1", [name])
    if (!exists.rowCount) await admin.query(`create database "${name}"`)
  } finally {
    await admin.end()
  }
  return `postgres://${postgres.user}:${postgres.password}@${postgres.host}:${postgres.port}/${name}`
}

const ADDRESS = {
  first_name: "Ivan", last_name: "Petrov", address_1: "Nevsky prospekt 28", city: "Saint Petersburg",
  postal_code: "191186", country_code: "ru", phone: "+79991234567",
}

/** The Store API with the seeded store's publishable key. */
function storeApi(backend, store) {
  return axios.create({ baseURL: backend, headers: { "x-publishable-api-key": store.publishableKey } })
}

/**
 * A storefront's checkout up to the payment: a cart with the product and the
 * address, its shipping method, its payment collection and a session with
 * `providerId`. Returns `{ cart, collection, session }`. Carts opened
 * concurrently need different emails (Medusa creates the guest customer).
 */
async function openPaymentSession(api, store, providerId, sessionData = {}, { email = "buyer@example.com" } = {}) {
  const { data: { cart } } = await api.post("/store/carts", {
    region_id: store.regionId, sales_channel_id: store.salesChannelId, email,
    items: [{ variant_id: store.variantId, quantity: 1 }], shipping_address: ADDRESS, billing_address: ADDRESS,
  })
  await api.post(`/store/carts/${cart.id}/shipping-methods`, { option_id: store.shippingOptionId })
  const { data: { payment_collection: collection } } = await api.post("/store/payment-collections", { cart_id: cart.id })
  const start = performance.now()
  const { data: { payment_collection: withSession } } = await api.post(
    `/store/payment-collections/${collection.id}/payment-sessions`,
    { provider_id: providerId, data: sessionData }
  )
  const sessionMs = performance.now() - start
  const session = withSession.payment_sessions.find((s) => s.provider_id === providerId)
  return { cart, collection, session, sessionMs }
}

/* ------------------------------------------------------------------ Redis */

/**
 * Redis for instances that share Medusa's Redis modules (medusa-config.ts, REDIS_URL), as
 * integration-tests/helpers/medusa-process.ts plans it for the suites: the local server at
 * 127.0.0.1:6379 if it answers PING, in database `db` of the caller's own (flushed first, so that
 * callers on other databases do not flush each other's); else a `redis-server` binary
 * (REDIS_SERVER_BIN, /usr/bin/redis-server, /usr/local/bin/redis-server, or one on the PATH) to
 * start on a free port; else `{ kind: "none", reason }`.
 */
async function planRedis({ db, host = "127.0.0.1", port = 6379 }) {
  const url = `redis://${host}:${port}/${db}`
  const pong = await redisCommand(url, ["PING"], 1500).catch(() => undefined)
  if (pong === "PONG") return { kind: "local", url, description: `Redis at ${host}:${port}, database ${db}` }
  const candidates = [process.env.REDIS_SERVER_BIN, "/usr/bin/redis-server", "/usr/local/bin/redis-server"]
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) if (dir) candidates.push(path.join(dir, "redis-server"))
  const binary = candidates.find((c) => c && fs.existsSync(c))
  if (binary) return { kind: "binary", binary, description: `${binary} started on a free port` }
  return {
    kind: "none",
    reason: `no Redis: nothing answers PING at ${host}:${port} and no redis-server binary was found (set REDIS_SERVER_BIN, or install redis-server)`,
  }
}

/**
 * The Redis of a plan, empty: the local one's database flushed, or `redis-server` started as a child
 * of `processes` (so that `stopAll` stops it too; its log and data under `logDir`). `flush()` empties
 * it again; `stop()`: flushes the local database, or stops the server.
 */
async function startRedis(plan, { processes, logDir, logFile = "redis.log" }) {
  if (plan.kind === "local") {
    await redisCommand(plan.url, ["FLUSHDB"])
    const flush = async () => void (await redisCommand(plan.url, ["FLUSHDB"]))
    return { url: plan.url, description: plan.description, flush, stop: () => flush().catch(() => undefined) }
  }
  if (plan.kind !== "binary") throw new Error(plan.reason ?? "no Redis")
  const { freePort } = require("./postgres")
  const port = await freePort()
  const dir = path.join(logDir, "redis")
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const child = processes.run(plan.binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {}, { background: true, logFile })
  const url = `redis://127.0.0.1:${port}/0`
  const deadline = Date.now() + 10_000
  for (;;) {
    if ((await redisCommand(url, ["PING"]).catch(() => undefined)) === "PONG") break
    if (Date.now() > deadline || child.exitCode !== null) {
      await processes.stop(child, 2000)
      throw new Error(`${plan.binary} did not answer on port ${port}; see ${path.relative(root, path.join(logDir, logFile))}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    description: `${plan.binary} on port ${port}`,
    flush: async () => void (await redisCommand(url, ["FLUSHDB"])),
    stop: async () => {
      await processes.stop(child, 5000)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * One Redis command (after AUTH if the URL has a password, and SELECT of its database) over a raw
 * connection, without a client library: enough RESP for PING and FLUSHDB. Resolves with the reply.
 */
function redisCommand(url, args, timeoutMs = 5000) {
  const parsed = new URL(url)
  const db = parsed.pathname.replace(/^\//, "") || "0"
  const auth = parsed.password
    ? [parsed.username ? ["AUTH", decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)] : ["AUTH", decodeURIComponent(parsed.password)]]
    : []
  const commands = [...auth, ["SELECT", db], args]
  const encode = (command) => `*${command.length}\r\n${command.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(parsed.port || 6379), parsed.hostname)
    let buffer = Buffer.alloc(0)
    let replies = 0
    socket.setTimeout(timeoutMs, () => {
      socket.destroy()
      reject(new Error(`Redis at ${parsed.host} did not answer ${args[0]}`))
    })
    socket.on("error", reject)
    socket.on("connect", () => socket.write(commands.map(encode).join("")))
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const read = readResp(buffer, 0)
        if (!read) break
        buffer = buffer.subarray(read.end)
        if (read.error) {
          socket.destroy()
          return reject(new Error(`Redis ${args[0]}: ${read.error}`))
        }
        if (++replies === commands.length) {
          socket.end()
          return resolve(read.value)
        }
      }
    })
  })
}

/** One RESP reply from `buffer` at `at`: `{ value, end, error? }`, or undefined while incomplete. */
function readResp(buffer, at) {
  const lineEnd = buffer.indexOf("\r\n", at)
  if (lineEnd < 0) return undefined
  const type = String.fromCharCode(buffer[at])
  const line = buffer.toString("utf8", at + 1, lineEnd)
  const next = lineEnd + 2
  if (type === "+") return { value: line, end: next }
  if (type === "-") return { value: null, end: next, error: line }
  if (type === ":") return { value: Number(line), end: next }
  if (type === "$") {
    const length = Number(line)
    if (length < 0) return { value: null, end: next }
    if (buffer.length < next + length + 2) return undefined
    return { value: buffer.toString("utf8", next, next + length), end: next + length + 2 }
  }
  if (type === "*") {
    const count = Number(line)
    if (count < 0) return { value: null, end: next }
    const items = []
    let position = next
    for (let i = 0; i < count; i++) {
      const item = readResp(buffer, position)
      if (!item) return undefined
      items.push(item.value)
      position = item.end
    }
    return { value: items, end: position }
  }
  throw new Error(`unexpected RESP type ${JSON.stringify(type)}`)
}

module.exports = { root, createProcesses, waitForHealth, ensureDatabase, storeApi, openPaymentSession, planRedis, startRedis, redisCommand }
