import axios, { type AxiosInstance } from "axios"
import path from "node:path"
import { Client } from "@medusajs/framework/pg"
import { browserSource, launchBrowser } from "../helpers/browser"
import { serveAdmin } from "../helpers/admin-app"
import {
  COMPAT_DATA,
  installApp,
  managerUnavailable,
  packPlugin,
  resultTable,
  type CompatApp,
  type PackageManager,
  type PackedPlugin,
} from "../helpers/compat-app"
import {
  createAdminUser,
  medusaProcesses,
  prepareDatabase,
  runMedusa,
  type MedusaInstance,
  type MedusaProcesses,
  type PreparedDatabase,
} from "../helpers/medusa-process"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { createCartReadyForPayment, createPaymentSession, paidOrder, waitFor } from "../helpers/storefront"

/**
 * `npm run test:compat`: the packed plugin installed, without flags, into
 * Medusa apps of the oldest supported minor, one in the middle and the newest
 * (compat/apps, each from its lockfile), migrated, seeded, booted with
 * `medusa start` and run against the sandbox gateways; the newest also with
 * yarn and pnpm. Prints per app what passed, and the time each step took.
 */
jest.setTimeout(1_200_000)

const ROMB = "pp_romb_romb"
const SINGLE = "pp_rubitpay_rubitpay"
const HOLD = "pp_rubitpay_hold"
const OBMIN = "pp_exchanger_obmin"
const PROVIDERS = [ROMB, SINGLE, HOLD, OBMIN]
const ADMIN = { email: "admin@example.com", password: "supersecret" }

type AppPlan = { name: string; manager: PackageManager; full: boolean; browser: boolean }
/** COMPAT_APPS=medusa-2.17,medusa-2.21 runs those only (while working on one). */
const ONLY = process.env.COMPAT_APPS?.split(",")
const APPS: AppPlan[] = ([
  { name: "medusa-2.17", manager: "npm", full: true, browser: true },
  { name: "medusa-2.19", manager: "npm", full: true, browser: false },
  { name: "medusa-2.21", manager: "npm", full: true, browser: false },
  { name: "medusa-2.21-yarn", manager: "yarn", full: false, browser: false },
  { name: "medusa-2.21-pnpm", manager: "pnpm", full: false, browser: false },
] satisfies AppPlan[]).filter((app) => !ONLY || ONLY.includes(app.name))

const table = resultTable()
const timings: Record<string, Record<string, string>> = {}
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`
let plugin: PackedPlugin
const suiteStarted = Date.now()
/**
 * Every app's install, started together once the plugin is packed: the
 * package managers wait on the network and the disk more than on the CPU.
 * A package manager that cannot run here is a skip with its reason.
 */
const installs = new Map<string, Promise<{ app: CompatApp } | { skipped: string }>>()

beforeAll(async () => {
  let started = Date.now()
  plugin = await packPlugin()
  timings.plugin = { "build + pack": seconds(started) }
  started = Date.now()
  for (const { name, manager } of APPS) {
    const install = (async () => {
      const unavailable = manager === "npm" ? undefined : await managerUnavailable(manager)
      return unavailable ? { skipped: unavailable } : { app: await installApp(name, manager, plugin) }
    })()
    // awaited by the app's first check; failures are reported there
    install.catch(() => undefined)
    installs.set(name, install)
  }
  await Promise.allSettled(installs.values())
  timings.plugin["all installs, in parallel"] = seconds(started)
})

afterAll(() => {
  console.log(
    `\n[compat] ${plugin?.name}@${plugin?.version} in each app (.test-data/compat/results.md):\n${table.print()}\n` +
      `[compat] timings: ${JSON.stringify(timings, null, 1)}\n[compat] total ${seconds(suiteStarted)}`
  )
})

describe.each(APPS)("$name ($manager)", ({ name, manager, full, browser }) => {
  let app: CompatApp | undefined
  let database: PreparedDatabase | undefined
  let processes: MedusaProcesses | undefined
  let instance: MedusaInstance | undefined
  let api: AxiosInstance
  let admin: { headers: Record<string, string> }
  let skipReason: string | undefined
  const time: Record<string, string> = (timings[name] = {})
  const check = (label: string, work: () => Promise<void>) =>
    it(label, async () => {
      if (skipReason) {
        table.record(name, label, `skipped: ${skipReason}`)
        console.warn(`[compat] ${name}: "${label}" SKIPPED: ${skipReason}`)
        return
      }
      if (!instance && label !== INSTALL) {
        table.record(name, label, "FAILED: not running")
        throw new Error(`${name} is not running (an earlier step failed)`)
      }
      const started = Date.now()
      await table.check(name, label, work)
      time[label] = seconds(started)
    })

  beforeAll(async () => {
    const outcome = await installs.get(name)!.catch(() => undefined)
    if (outcome && "skipped" in outcome) skipReason = outcome.skipped
  })
  afterAll(async () => {
    await processes?.stopAll()
    await database?.drop().catch(() => undefined)
  })

  const INSTALL = "install the packed plugin without flags (npm install / yarn add / pnpm add <tarball>), migrate, seed, boot"
  check(INSTALL, async () => {
    const installed = await installs.get(name)!
    if (!("app" in installed)) throw new Error(installed.skipped)
    app = installed.app
    time.dependencies = app.dependenciesReused ? "reused (same lockfile)" : `${app.timings.dependencies.toFixed(0)} s`
    time.plugin = `${app.timings.plugin.toFixed(0)} s`
    table.record(name, "Medusa version", app.medusaVersion)
    let started = Date.now()
    const dbName = `compat_${name.replace(/[^a-z0-9]/g, "_")}`
    database = await prepareDatabase(dbName, { providerIds: PROVIDERS, appDir: app.dir })
    time["migrate + seed"] = seconds(started)
    await createAdminUser(database, { ...ADMIN, appDir: app.dir })
    started = Date.now()
    processes = medusaProcesses({ databaseUrl: database.url, appDir: app.dir })
    instance = await processes.start(`compat-${name}`, "shared")
    time.boot = seconds(started)
    api = axios.create({ baseURL: instance.url })
    const { data } = await api.post("/auth/user/emailpass", ADMIN)
    admin = { headers: { authorization: `Bearer ${data.token}` } }
    await useWebhookRoute("plugin")
  })

  /** Which URL the sandbox gateways call: the plugin's `/hooks/payment-gateways/…` or Medusa's `/hooks/payment/…`. */
  async function useWebhookRoute(route: "plugin" | "medusa") {
    const hooks = `${instance!.url}/hooks/${route === "plugin" ? "payment-gateways" : "payment"}`
    await rombSandbox.setCallbackUrl(`${hooks}/romb_romb`)
    await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", `${hooks}/rubitpay_rubitpay`)
    await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-hold-shop", `${hooks}/rubitpay_hold`)
  }

  async function startPayment(providerId: string, data: Record<string, unknown> = {}) {
    const cart = await createCartReadyForPayment(api, database!.store, { email: "buyer@example.com" })
    const session = await createPaymentSession(api, cart.id, providerId, data, database!.store)
    return { cart, session }
  }

  type AdminPayment = { id: string; captured_at: string | null; canceled_at: string | null; captures?: unknown[] }
  async function adminOrder(orderId: string) {
    const fields = "id,status,payment_status,summary,*payment_collections,*payment_collections.payments,*payment_collections.payments.captures"
    const { data } = await api.get(`/admin/orders/${orderId}`, { ...admin, params: { fields } })
    return data.order as {
      status: string
      payment_status: string
      summary: Record<string, unknown>
      payment_collections: { id: string; status: string; amount: number | string; payments: AdminPayment[] }[]
    }
  }
  const payments = async (orderId: string) => (await adminOrder(orderId)).payment_collections.flatMap((c) => c.payments)

  /** The orders made from a cart: exactly one, if every webhook and retry acted once. */
  async function ordersOfCart(cartId: string) {
    const client = new Client({ connectionString: database!.url })
    await client.connect()
    try {
      return (await client.query("select order_id from order_cart where cart_id = $1 and deleted_at is null", [cartId])).rows
    } finally {
      await client.end()
    }
  }

  async function expectCapturedOnce(cartId: string) {
    const orderId = await paidOrder(api, cartId)
    const captured = await waitFor(async () => {
      const [payment, ...more] = await payments(orderId)
      return payment?.captured_at && more.length === 0 ? payment : undefined
    })
    expect(captured.captures).toHaveLength(1)
    expect(await ordersOfCart(cartId)).toHaveLength(1)
    return orderId
  }

  let rombOrderId: string | undefined

  check("Romb: checkout → signed webhook → one order, captured once", async () => {
    const { cart, session } = await startPayment(ROMB)
    const paid = await rombSandbox.pay(session.data.redirect_url as string)
    expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
    rombOrderId = await expectCapturedOnce(cart.id)
  })

  if (!full) return

  check("RubitPay: checkout → signed webhook → one order, captured once", async () => {
    const { cart, session } = await startPayment(SINGLE)
    const paid = await rubitPaySandbox.click(session.data.redirect_url as string, "pay")
    expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
    await expectCapturedOnce(cart.id)
  })

  check("exchanger (obmin): inProgressPayout → one order, done → captured once", async () => {
    const { cart, session } = await startPayment(OBMIN, { from_values: { card: "4111111111111111" } })
    const walk = async (status: string) =>
      (await axios.post(`${session.data.redirect_url}/${status}`, null, { headers: { Accept: "application/json" } })).data
    await walk("inProgressPayout")
    const orderId = await paidOrder(api, cart.id)
    expect((await payments(orderId))[0].captured_at).toBeFalsy()
    expect((await walk("done")).ipn).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
    expect(await expectCapturedOnce(cart.id)).toBe(orderId)
  })

  check("RubitPay two-step: the hold makes the order authorized, the admin's Capture charges it", async () => {
    const { cart, session } = await startPayment(HOLD)
    await rubitPaySandbox.click(session.data.redirect_url as string, "hold")
    const orderId = await paidOrder(api, cart.id)
    const [held] = await payments(orderId)
    expect(held.captured_at).toBeFalsy()
    await api.post(`/admin/payments/${held.id}/capture`, {}, admin)
    expect((await rubitPaySandbox.invoice(session.id)).status).toBe("success")
    const [captured] = await payments(orderId)
    expect(captured.captured_at).toBeTruthy()
    expect(captured.captures).toHaveLength(1)
  })

  check("RubitPay two-step: canceling the order releases the hold", async () => {
    const { cart, session } = await startPayment(HOLD)
    await rubitPaySandbox.click(session.data.redirect_url as string, "hold")
    const orderId = await paidOrder(api, cart.id)
    await api.post(`/admin/orders/${orderId}/cancel`, {}, admin)
    expect((await rubitPaySandbox.invoice(session.id)).status).toBe("fail")
    const [payment] = await payments(orderId)
    expect(payment.canceled_at).toBeTruthy()
    expect(payment.captured_at).toBeFalsy()
  })

  check("Medusa's built-in /hooks/payment/:provider route: the same order, captured once", async () => {
    await useWebhookRoute("medusa")
    try {
      const { cart, session } = await startPayment(ROMB)
      const paid = await rombSandbox.pay(session.data.redirect_url as string)
      expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      await expectCapturedOnce(cart.id)
    } finally {
      await useWebhookRoute("plugin")
    }
  })

  check("order edit: the outstanding amount paid through Romb", async () => {
    const orderId = rombOrderId!
    const { variantId, publishableKey } = database!.store
    await api.post("/admin/order-edits", { order_id: orderId }, admin)
    await api.post(`/admin/order-edits/${orderId}/items`, { items: [{ variant_id: variantId, quantity: 1 }] }, admin)
    await api.post(`/admin/order-edits/${orderId}/request`, {}, admin)
    await api.post(`/admin/order-edits/${orderId}/confirm`, {}, admin)
    const edited = await adminOrder(orderId)
    const outstanding = Number(edited.summary.pending_difference)
    expect(outstanding).toBeGreaterThan(0)
    // confirming the edit made the collection of the outstanding amount, which the customer pays
    const unpaid = edited.payment_collections.filter((c) => c.status === "not_paid")
    expect(unpaid.map((c) => Number(c.amount))).toEqual([outstanding])
    const [collection] = unpaid
    const {
      data: { payment_collection: withSession },
    } = await api.post(
      `/store/payment-collections/${collection.id}/payment-sessions`,
      { provider_id: ROMB },
      { headers: { "x-publishable-api-key": publishableKey } }
    )
    const session = withSession.payment_sessions.find((s: { provider_id: string }) => s.provider_id === ROMB)
    expect(Number(session.amount)).toBe(outstanding)
    const paid = await rombSandbox.pay(session.data.redirect_url)
    expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
    const settled = await waitFor(async () => {
      const order = await adminOrder(orderId)
      return order.payment_collections.find((c) => c.id === collection.id)?.payments.some((p) => p.captured_at) ? order : undefined
    })
    const paidEdit = settled.payment_collections.find((c) => c.id === collection.id)!
    expect(paidEdit.payments).toHaveLength(1)
    expect(paidEdit.payments[0].captured_at).toBeTruthy()
    expect(settled.payment_collections.filter((c) => c.status === "not_paid")).toEqual([])
    expect(Number(settled.summary.pending_difference)).toBe(0)
    expect(settled.payment_status).toBe("captured")
  })

  if (!browser) return

  check("admin: the order page shows the plugin's widget in a real browser", async () => {
    const source = browserSource()
    if (source.kind === "none") {
      table.record(name, "admin: the order page shows the plugin's widget in a real browser", `skipped: ${source.reason}`)
      console.warn(`[compat] ${name}: admin widget SKIPPED: ${source.reason}`)
      return
    }
    const started = Date.now()
    // the dashboard as the merchant's `medusa build` makes it, with the plugin's extensions from node_modules
    await runMedusa(["build", "--admin-only"], { ADMIN_DISABLED: "false", NODE_ENV: "production" }, path.join(COMPAT_DATA, `${name}-admin-build.log`), app!.dir)
    time["admin build"] = seconds(started)
    const served = await serveAdmin(path.join(app!.dir, ".medusa/admin"), instance!.url)
    const chromium = await launchBrowser(source)
    const page = await chromium.newPage()
    const shot = path.join(COMPAT_DATA, `${name}-order-widget.png`)
    try {
      await page.goto(`${served.url}/app/login`)
      await page.locator("input[name=email]").fill(ADMIN.email)
      await page.locator("input[name=password]").fill(ADMIN.password)
      await page.locator("button[type=submit]").click()
      await page.waitForURL((url) => !url.pathname.endsWith("/login"))
      await page.goto(`${served.url}/app/orders/${rombOrderId}`)
      const widget = page.getByTestId("gateway-payments-widget")
      await widget.waitFor({ timeout: 120_000 })
      await widget.scrollIntoViewIfNeeded()
      expect(await widget.innerText()).toContain("Romb")
    } finally {
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined)
      await chromium.close()
      await served.close()
    }
  })
})
