/**
 * What `npm run demo` and `npm run bench` share to run the real app on this
 * machine: child processes in their own process groups with their output in
 * log files, a database of their own, waiting for Medusa's /health, and the
 * storefront's steps from an empty cart to a payment session.
 */
const { spawn } = require("node:child_process")
const fs = require("node:fs")
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

  return { run, stopAll, children }
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
  const { data: { payment_collection: withSession } } = await api.post(
    `/store/payment-collections/${collection.id}/payment-sessions`,
    { provider_id: providerId, data: sessionData }
  )
  const session = withSession.payment_sessions.find((s) => s.provider_id === providerId)
  return { cart, collection, session }
}

module.exports = { root, createProcesses, waitForHealth, ensureDatabase, storeApi, openPaymentSession }
