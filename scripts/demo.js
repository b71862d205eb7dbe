#!/usr/bin/env node
/**
 * `npm run demo`: the plugin's main job, end to end, on this machine.
 * PostgreSQL (embedded unless DATABASE_URL is set) -> sandbox gateways ->
 * migrations and a seeded store -> Medusa with the plugin -> one scripted
 * storefront checkout per provider -> keeps serving until Ctrl-C.
 */
const fs = require("node:fs")
const path = require("node:path")
const axios = require("axios")
const { startPostgres } = require("./postgres")
const { root, createProcesses, waitForHealth, ensureDatabase, storeApi, openPaymentSession } = require("./stack")

const dataDir = path.resolve(root, process.env.DEMO_DATA_DIR ?? ".demo-data")
const PORT = Number(process.env.PORT ?? 9000)
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 9911)
const STOREFRONT_PORT = Number(process.env.STOREFRONT_PORT ?? 8000)
const backend = `http://localhost:${PORT}`
const storefrontUrl = `http://localhost:${STOREFRONT_PORT}`
/**
 * Where the sandbox's Romb sends the customer back (Romb's dashboard setting):
 * the demo storefront's return page, or ROMB_RETURN_URL, e.g. a Next.js
 * storefront's `http://localhost:8000/ru/checkout/return` (docs/nextjs-starter.md).
 */
const rombReturnUrl = process.env.ROMB_RETURN_URL || `${storefrontUrl}/checkout/return`

/** One entry per provider: how a customer pays on that gateway's sandbox page. */
const CHECKOUTS = [
  {
    providerId: "pp_romb_romb",
    label: "Romb",
    webhookPath: "/hooks/payment-gateways/romb_romb",
    sessionData: { email: "buyer@example.com", phone: "+79991234567" },
    // Romb's doc names no return URL: like its callback URL, it is a setting of the shop in Romb's dashboard
    configureSandbox: (sandboxUrl) =>
      axios.post(`${sandboxUrl}/__control/romb/merchant`, {
        callbackUrl: `${backend}/hooks/payment-gateways/romb_romb`,
        returnUrl: rombReturnUrl,
      }),
    pay: (session) =>
      axios.post(`${session.data.redirect_url}/pay`, null, { headers: { Accept: "application/json" } }),
  },
  {
    providerId: "pp_rubitpay_rubitpay",
    label: "RubitPay single-step",
    webhookPath: "/hooks/payment-gateways/rubitpay_rubitpay",
    sessionData: { email: "buyer@example.com", payway: "sbp" },
    configureSandbox: (sandboxUrl) =>
      axios.post(`${sandboxUrl}/__control/rubitpay/merchant`, {
        shopId: "sandbox-rubitpay-shop",
        callbackUrl: `${backend}/hooks/payment-gateways/rubitpay_rubitpay`,
      }),
    pay: (session) =>
      axios.post(`${session.data.redirect_url}/pay`, null, { headers: { Accept: "application/json" } }),
  },
  {
    providerId: "pp_rubitpay_hold",
    label: "RubitPay two-step",
    webhookPath: "/hooks/payment-gateways/rubitpay_hold",
    sessionData: { email: "buyer@example.com" },
    configureSandbox: (sandboxUrl) =>
      axios.post(`${sandboxUrl}/__control/rubitpay/merchant`, {
        shopId: "sandbox-rubitpay-hold-shop",
        callbackUrl: `${backend}/hooks/payment-gateways/rubitpay_hold`,
      }),
    pay: (session) =>
      axios.post(`${session.data.redirect_url}/hold`, null, { headers: { Accept: "application/json" } }),
    /** The merchant presses Capture in the admin: RubitPay charges the held money. */
    afterOrder: async (order, admin) => {
      const { data } = await admin.get(`/admin/orders/${order.id}`, { params: { fields: "payment_collections.payments.id" } })
      const payment = data.order.payment_collections[0].payments[0]
      await admin.post(`/admin/payments/${payment.id}/capture`, {})
    },
  },
  ...["obmin", "pocketbank"].map((site) => ({
    providerId: `pp_exchanger_${site}`,
    label: `Exchanger ${site}`,
    webhookPath: `/hooks/payment-gateways/exchanger_${site}`,
    sessionData: { from_values: { card: "4111111111111111" } },
    // the IPN URL travels with each order: nothing to configure at the exchanger
    configureSandbox: async () => undefined,
    /** The customer pays (inProgress: the exchanger holds the money), then the exchanger pays out (done). */
    pay: async (session) => {
      const walk = (status) =>
        axios.post(`${session.data.redirect_url}/${status}`, null, { headers: { Accept: "application/json" } })
      await walk("inProgress")
      const done = await walk("done")
      return { data: { webhook: done.data.ipn } }
    },
  })),
]

async function adminApi() {
  const { data } = await axios.post(`${backend}/auth/user/emailpass`, { email: "admin@example.com", password: "supersecret" })
  return axios.create({ baseURL: backend, headers: { authorization: `Bearer ${data.token}` } })
}

/** Migrations, seeding and Medusa, each in its own process group, logging under the data directory. */
const processes = createProcesses({ logDir: dataDir })
const run = processes.run

/** A storefront checkout with one provider, from an empty cart to the order and its payment status. */
async function runCheckout(entry, store, sandboxUrl, admin) {
  const api = storeApi(backend, store)
  await entry.configureSandbox(sandboxUrl)
  const { cart, session } = await openPaymentSession(api, store, entry.providerId, entry.sessionData)
  const paid = await entry.pay(session)
  const deadline = Date.now() + 60_000
  for (;;) {
    const { data: status } = await api.get(`/store/carts/${cart.id}/payment-status`)
    if (status.status === "paid") {
      const fields = { params: { fields: "id,display_id,total,currency_code,payment_status" } }
      let { data: { order } } = await api.get(`/store/orders/${status.order_id}`, fields)
      if (entry.afterOrder) {
        const held = order.payment_status
        await entry.afterOrder(order, admin)
        order = (await api.get(`/store/orders/${status.order_id}`, fields)).data.order
        order.payment_status = `${held} -> captured from the admin -> ${order.payment_status}`
      }
      return { cart, session, paid: paid.data, order }
    }
    if (Date.now() > deadline || status.status === "failed" || status.status === "canceled") {
      throw new Error(`payment status stayed "${status.status}"`)
    }
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** What has been started so far, for `shutdown`. */
const started = { postgres: undefined, sandbox: undefined, storefront: undefined }
let shuttingDown

async function shutdown(code) {
  shuttingDown ??= (async () => {
    console.log("[demo] stopping …")
    await processes.stopAll()
    await started.storefront?.close().catch(() => undefined)
    await started.sandbox?.close().catch(() => undefined)
    await started.postgres?.stop().catch(() => undefined)
  })()
  await shuttingDown
  process.exit(code)
}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`

async function waitForAdmin(timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const response = await axios.get(`${backend}/app/`, { timeout: 60_000, validateStatus: () => true }).catch(() => undefined)
    if (response?.status === 200 && /<html/i.test(String(response.data))) return true
    await new Promise((r) => setTimeout(r, 1000))
  }
  return false
}

async function main() {
  // Ctrl-C at any point (even while booting) stops everything started so far
  process.on("SIGINT", () => shutdown(130))
  process.on("SIGTERM", () => shutdown(143))
  fs.mkdirSync(dataDir, { recursive: true })
  let databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    const t = Date.now()
    const postgres = await startPostgres({ dataDir: path.join(dataDir, "pg"), forceEmbedded: true, persistent: true })
    started.postgres = postgres
    databaseUrl = await ensureDatabase(postgres, "medusa_demo")
    console.log(`[demo] embedded PostgreSQL on port ${postgres.port} in ${seconds(t)} (data in ${path.relative(root, dataDir)}/pg)`)
  }

  require("ts-node").register({ transpileOnly: true, swc: true })
  const { startSandbox } = require("../sandbox")
  const sandbox = await startSandbox({ port: SANDBOX_PORT })
  started.sandbox = sandbox
  console.log(`[demo] sandbox gateways at ${sandbox.url}`)

  const env = {
    DATABASE_URL: databaseUrl,
    SANDBOX_URL: sandbox.url,
    MEDUSA_BACKEND_URL: backend,
    STOREFRONT_URL: storefrontUrl,
    PORT: String(PORT),
    DEMO_DATA_DIR: dataDir,
    DEMO_PROVIDER_IDS: CHECKOUTS.map((c) => c.providerId).join(","),
    ADMIN_DISABLED: process.env.ADMIN_DISABLED ?? "false",
    MEDUSA_DISABLE_TELEMETRY: "true",
  }
  let t = Date.now()
  console.log(`[demo] migrating the database (log: ${path.relative(root, dataDir)}/setup.log) …`)
  await run("npx", ["medusa", "db:migrate"], env, { logFile: "setup.log" })
  console.log(`[demo] migrated in ${seconds(t)}; seeding the store …`)
  t = Date.now()
  await run("npx", ["medusa", "exec", "./scripts/seed-demo.ts"], env, { logFile: "setup.log" })
  await run("npx", ["medusa", "user", "-e", "admin@example.com", "-p", "supersecret"], env, { logFile: "setup.log" }).catch(() =>
    console.log("[demo] admin user already exists")
  )
  console.log(`[demo] seeded in ${seconds(t)}`)
  const store = JSON.parse(fs.readFileSync(path.join(dataDir, "store.json"), "utf8"))

  /*
   * `medusa start` with NODE_ENV=development is exactly the process `medusa develop`
   * forks (the admin is served by Vite's dev middleware at /app), without
   * develop's file watcher, which restarts the server whenever any file under
   * the repository changes (only dot files, node_modules, dist, src/admin, … are
   * ignored). DEMO_WATCH=1 runs `medusa develop` instead.
   */
  const command = process.env.DEMO_WATCH === "1" ? ["medusa", "develop"] : ["medusa", "start"]
  console.log(`[demo] starting Medusa (npx ${command.join(" ")}; log: ${path.relative(root, dataDir)}/medusa.log) …`)
  t = Date.now()
  const server = run("npx", command, { ...env, NODE_ENV: "development" }, { background: true, logFile: "medusa.log" })
  server.on("exit", (code, signal) => {
    if (!shuttingDown) {
      console.log(`[demo] Medusa exited (${signal ?? code}); see ${path.relative(root, dataDir)}/medusa.log`)
      shutdown(1)
    }
  })
  await waitForHealth(backend, 300_000, `${path.relative(root, dataDir)}/medusa.log`)
  console.log(`[demo] Medusa answers /health after ${seconds(t)}`)
  if (env.ADMIN_DISABLED !== "true") {
    const a = Date.now()
    const ok = await waitForAdmin(300_000)
    console.log(`[demo] admin dashboard ${ok ? "served" : "NOT served"} at /app after a further ${seconds(a)}`)
  }

  const { startStorefront } = require("../demo/storefront/serve")
  t = Date.now()
  const storefront = await startStorefront({
    port: STOREFRONT_PORT,
    outDir: path.join(dataDir, "storefront"),
    backendUrl: backend,
    publishableKey: store.publishableKey,
    regionId: store.regionId,
  })
  started.storefront = storefront
  console.log(`[demo] storefront built and served at ${storefront.url} after ${seconds(t)}`)

  let failures = 0
  const admin = await adminApi()
  for (const entry of CHECKOUTS) {
    const c = Date.now()
    try {
      const result = await runCheckout(entry, store, sandbox.url, admin)
      const { order } = result
      console.log(
        `[demo] ${entry.label}: paid ${order.total} ${order.currency_code.toUpperCase()} on the sandbox page ` +
          `(webhook HTTP ${result.paid.webhook?.httpStatus}) -> order #${order.display_id} (${order.id}), ` +
          `payment_status ${order.payment_status} [${seconds(c)}]`
      )
      if (!order.payment_status.endsWith("captured")) failures++
    } catch (error) {
      failures++
      console.log(`[demo] ${entry.label}: checkout FAILED: ${error.response?.data?.message ?? error.message}`)
    }
  }

  console.log(`
Demo store running — Ctrl-C to stop.
  Storefront       ${storefrontUrl}  (pay with any gateway; the sandbox pages send you back)
  Admin            ${backend}/app  (admin@example.com / supersecret)${env.ADMIN_DISABLED === "true" ? " [disabled]" : ""}
  Store API        ${backend}/store  (x-publishable-api-key: ${store.publishableKey})
  Webhooks         ${CHECKOUTS.map((c) => `${backend}${c.webhookPath}`).join("\n                   ")}
  Sandbox          ${sandbox.url}  (control API: ${sandbox.url}/__control; Romb returns to ${rombReturnUrl})
  Database         ${databaseUrl.replace(/:[^:@/]*@/, ":***@")}
`)

  if (process.env.DEMO_EXIT_AFTER_CHECKOUT === "1") await shutdown(failures ? 1 : 0)
}

main().catch(async (error) => {
  console.error(`[demo] ${error.response?.data?.message ?? error.message}`)
  await shutdown(1)
})
