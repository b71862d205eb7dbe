import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import axios from "axios"
import path from "node:path"
import type { Browser, Locator, Page } from "playwright-core"
import { adminHeaders } from "../helpers/admin"
import { buildAdmin, serveAdmin } from "../helpers/admin-app"
import { browserSource, launchBrowser, screenshotter } from "../helpers/browser"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { seedStore, SeededStore } from "../helpers/seed-store"
import { ordersForCart } from "../helpers/storefront"

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { startStorefront } = require("../../demo/storefront/serve")

jest.setTimeout(300_000)

const root = path.join(__dirname, "../..")
/** Where the screenshots of every step go (README: "Browser test"). */
const SHOTS = path.join(root, ".test-data/screenshots")

const source = browserSource()
if (source.kind === "none") {
  console.warn(`[browser] the browser checkout suite is SKIPPED: ${source.reason}`)
}
const browserIt = source.kind === "none" ? it.skip : it

const CHECKOUTS = [
  { label: "Romb", providerId: "pp_romb_romb", name: "Romb", button: "pay" },
  { label: "RubitPay single-step", providerId: "pp_rubitpay_rubitpay", name: "RubitPay", button: "pay" },
  { label: "RubitPay two-step", providerId: "pp_rubitpay_hold", name: "RubitPay (two-step)", button: "hold" },
  { label: "Exchanger obmin", providerId: "pp_exchanger_obmin", name: "obmin.me", button: "pay" },
  { label: "Exchanger pocketbank", providerId: "pp_exchanger_pocketbank", name: "pocketbank.net", button: "pay" },
] as const

/**
 * The demo storefront in headless Chromium, against the app and the sandbox
 * gateways: a customer's clicks from the product page to the order number,
 * for every gateway; a declined payment and a second attempt; the admin's
 * order page with the plugin's widget.
 */
medusaIntegrationTestRunner({
  cwd: root,
  inApp: true,
  testSuite: ({ api, getContainer }) => {
    let seeded: SeededStore
    let browser: Browser
    let storefront: { url: string; close(): Promise<void> }
    let admin: { url: string; close(): Promise<void> } | undefined
    const backendUrl = () => String(api.defaults.baseURL)

    beforeAll(async () => {
      if (source.kind === "none") return
      seeded = await seedStore(getContainer(), { paymentProviderIds: CHECKOUTS.map((c) => c.providerId) })
      await adminHeaders(getContainer(), api)
      storefront = await startStorefront({
        port: Number(new URL(String(process.env.STOREFRONT_URL)).port),
        outDir: path.join(root, ".test-data/storefront"),
        backendUrl: backendUrl(),
        publishableKey: seeded.publishableKey,
        regionId: seeded.regionId,
      })
      browser = await launchBrowser(source)
    })

    afterAll(async () => {
      await browser?.close()
      await storefront?.close()
      await admin?.close()
    })

    beforeEach(async () => {
      if (source.kind === "none") return
      await axios.post(`${process.env.SANDBOX_URL}/__control/reset`)
      await axios.post(`${process.env.SANDBOX_URL}/__control/romb/merchant`, {
        callbackUrl: `${backendUrl()}/hooks/payment-gateways/romb_romb`,
        // Romb's doc names no return URL: a setting of the shop in its dashboard, like the callback URL
        returnUrl: `${storefront.url}/checkout/return`,
      })
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", `${backendUrl()}/hooks/payment-gateways/rubitpay_rubitpay`)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-hold-shop", `${backendUrl()}/hooks/payment-gateways/rubitpay_hold`)
    })

    /** A new tab whose console errors and failed requests end up in the test's failure message. */
    async function openPage() {
      const page = await browser.newPage()
      const problems: string[] = []
      page.on("console", (message) => message.type() === "error" && problems.push(`console: ${message.text()}`))
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
      page.on("requestfailed", (request) => problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`))
      page.on("response", (response) => response.status() >= 400 && problems.push(`HTTP ${response.status()} ${response.request().method()} ${response.url()}`))
      return Object.assign(page, { problems })
    }

    /** Product page → cart → checkout with the provider → the gateway's page. */
    async function checkoutTo(page: Page & { problems: string[] }, providerId: string, name: string, shot: (page: Page, step: string) => Promise<string>) {
      await page.goto(storefront.url)
      await page.locator("[data-testid=add-to-cart], [data-testid=error]").first().waitFor({ timeout: 30_000 }).catch(() => undefined)
      if (!(await page.getByTestId("add-to-cart").count())) {
        throw new Error(`the product page did not load: ${await page.locator("main").textContent()}\n${page.problems.join("\n")}`)
      }
      await page.getByTestId("add-to-cart").click()
      await page.waitForURL(`${storefront.url}/cart`)
      await shot(page, "cart")
      await page.getByTestId("checkout").click()
      await choosePaymentAndPay(page, providerId, name, shot)
    }

    async function choosePaymentAndPay(page: Page, providerId: string, name: string, shot: (page: Page, step: string) => Promise<string>) {
      await page.waitForURL(`${storefront.url}/checkout`)
      const choice = page.getByTestId(`provider-${providerId}`)
      // the checkout shows the registration's name, not the provider id
      await expectText(page.locator("label", { has: choice }), name)
      await choice.check()
      // what the gateway will charge: the item and the shipping chosen
      await expectText(page.getByTestId("checkout-total"), /^Total RUB\s1,790\.50$/)
      await shot(page, "checkout")
      await page.getByTestId("pay").click()
      await page.waitForURL((url) => url.href.startsWith(String(process.env.SANDBOX_URL)))
      await shot(page, "gateway-page")
    }

    async function orderNumberShown(page: Page) {
      const order = page.getByTestId("order-number")
      await order.waitFor({ timeout: 60_000 })
      return (await order.textContent()) ?? ""
    }

    for (const checkout of CHECKOUTS) {
      browserIt(`${checkout.label}: checkout → pay on the sandbox page → back to the shop → order number`, async () => {
        const page = await openPage()
        const shot = screenshotter(path.join(SHOTS, checkout.providerId))
        await checkoutTo(page, checkout.providerId, checkout.name, shot)
        await page.getByTestId(checkout.button).click()
        await page.waitForURL((url) => url.href.startsWith(`${storefront.url}/checkout/`))
        const orderNumber = await orderNumberShown(page)
        await shot(page, "order-placed")
        expect(orderNumber).toMatch(/^#\d+$/)
        await expectText(page.getByTestId("payment-result"), new RegExp(`^${escapeRegExp(checkout.name)} confirmed the payment: order ${orderNumber} is placed\\.$`))
        const cartId = await page.evaluate(() => location.pathname.split("/").pop())
        const orders = await ordersForCart(getContainer(), cartId === "return" ? await lastCartId() : cartId!)
        expect(orders).toHaveLength(1)
        await page.close()
      })
    }

    /** The cart of the last order (Romb's return page has no cart id in its URL). */
    async function lastCartId() {
      const query = getContainer().resolve("query")
      const { data } = await query.graph({ entity: "order_cart", fields: ["cart_id", "order.created_at"] })
      return data.sort((a: any, b: any) => String(b.order.created_at).localeCompare(String(a.order.created_at)))[0].cart_id as string
    }

    browserIt("a declined payment: the return page says so, and a second attempt on the same cart succeeds", async () => {
      const page = await openPage()
      const shot = screenshotter(path.join(SHOTS, "declined-then-paid"))
      await checkoutTo(page, "pp_rubitpay_rubitpay", "RubitPay", shot)
      await page.getByTestId("decline").click()
      await page.waitForURL((url) => url.href.startsWith(`${storefront.url}/checkout/`) && url.searchParams.get("payment") === "failed")
      const result = page.getByTestId("payment-result")
      await result.waitFor({ timeout: 60_000 })
      await expectText(result, "RubitPay declined the payment. Try again, or choose another payment method.")
      await shot(page, "declined")
      const cartId = new URL(page.url()).pathname.split("/").pop()!
      await page.getByTestId("try-again").click()
      await choosePaymentAndPay(page, "pp_exchanger_obmin", "obmin.me", shot)
      await page.getByTestId("pay").click()
      expect(await orderNumberShown(page)).toMatch(/^#\d+$/)
      await shot(page, "order-placed")
      expect(await ordersForCart(getContainer(), cartId)).toHaveLength(1)
      await page.close()
    })

    browserIt("a customer back from the gateway unpaid chooses another way to pay at once, and pays", async () => {
      const page = await openPage()
      const shot = screenshotter(path.join(SHOTS, "back-unpaid"))
      await checkoutTo(page, "pp_rubitpay_rubitpay", "RubitPay", shot)
      const cartId = await lastCartIdOfPage(page)
      // the browser's back button and the shop's return address, without paying
      await page.goto(`${storefront.url}/checkout/${cartId}`)
      await expectText(page.getByTestId("payment-waiting"), /Waiting for RubitPay to confirm the payment…|Checking your payment…/)
      await shot(page, "waiting")
      await page.getByTestId("pay-another-way").click()
      await choosePaymentAndPay(page, "pp_exchanger_obmin", "obmin.me", shot)
      await page.getByTestId("pay").click()
      expect(await orderNumberShown(page)).toMatch(/^#\d+$/)
      expect(await ordersForCart(getContainer(), cartId)).toHaveLength(1)
      await page.close()
    })

    /** The demo keeps the cart being checked out in localStorage. */
    const lastCartIdOfPage = async (page: Page) => {
      await page.goto(storefront.url)
      return (await page.evaluate(() => localStorage.getItem("demo_cart_id")))!
    }

    /** The admin's order edit adding one item, through Medusa's admin routes: the order owes its price on a new collection. */
    async function editAddingItem(orderId: string) {
      const { data } = await axios.post(`${backendUrl()}/auth/user/emailpass`, { email: "admin@example.com", password: "supersecret" })
      const asAdmin = { headers: { authorization: `Bearer ${data.token}` } }
      await api.post("/admin/order-edits", { order_id: orderId }, asAdmin)
      await api.post(`/admin/order-edits/${orderId}/items`, { items: [{ variant_id: seeded.variantId, quantity: 1 }] }, asAdmin)
      await api.post(`/admin/order-edits/${orderId}/request`, {}, asAdmin)
      await api.post(`/admin/order-edits/${orderId}/confirm`, {}, asAdmin)
      const { data: order } = await api.get(`/admin/orders/${orderId}?fields=payment_collections.id,payment_collections.status`, asAdmin)
      return order.order.payment_collections.find((c: any) => c.status === "not_paid").id as string
    }

    browserIt("payment links: an order edit's amount due, paid from Medusa's link with Romb, then with RubitPay two-step", async () => {
      const page = await openPage()
      const shot = screenshotter(path.join(SHOTS, "payment-link"))
      await checkoutTo(page, "pp_romb_romb", "Romb", shot)
      await page.getByTestId("pay").click()
      await orderNumberShown(page)
      const [{ order_id: orderId }] = await ordersForCart(getContainer(), await lastCartId())

      for (const [providerId, button, collectionStatus] of [["pp_romb_romb", "pay", "completed"], ["pp_rubitpay_hold", "hold", "authorized"]] as const) {
        const collectionId = await editAddingItem(orderId)
        // the path Medusa's "Copy payment link" copies
        await page.goto(`${storefront.url}/payment-collection/${collectionId}?order_id=${orderId}`)
        await expectText(page.getByTestId("amount-due"), /^RUB\s1,490\.50 · order #\d+$/)
        await page.getByTestId(`provider-${providerId}`).check()
        await shot(page, `${providerId}-due`)
        await page.getByTestId("pay").click()
        await page.waitForURL((url) => url.href.startsWith(String(process.env.SANDBOX_URL)))
        await page.getByTestId(button).click()
        // Romb's one return URL and RubitPay's checkout template both lead back to the link's page
        await page.waitForURL((url) => url.pathname === `/payment-collection/${collectionId}`, { timeout: 60_000 })
        const result = page.getByTestId("payment-result")
        await result.waitFor({ timeout: 60_000 })
        await expectText(result, /confirmed the payment for order #\d+\.$/)
        await shot(page, `${providerId}-paid`)
        const { data } = await getContainer().resolve("query").graph({ entity: "payment_collection", fields: ["status"], filters: { id: collectionId } })
        expect(data[0].status).toBe(collectionStatus)
        // the link again: already paid
        await page.reload()
        await expectText(page.getByTestId("payment-result"), /confirmed the payment for order #\d+\.$/)
      }
      expect(await ordersForCart(getContainer(), await lastCartId())).toHaveLength(1)
      await page.close()
    })

    browserIt("the admin's order page shows the plugin's widget with the gateway's status", async () => {
      const page = await openPage()
      const shot = screenshotter(path.join(SHOTS, "admin"))
      await checkoutTo(page, "pp_rubitpay_rubitpay", "RubitPay", shot)
      await page.getByTestId("pay").click()
      await orderNumberShown(page)
      const [{ order_id: orderId }] = await ordersForCart(getContainer(), await lastCartId())

      await buildAdmin(path.join(root, ".test-data/admin"))
      admin ??= await serveAdmin(path.join(root, ".test-data/admin"), backendUrl())
      await page.goto(`${admin.url}/app/login`)
      await page.locator("input[name=email]").fill("admin@example.com")
      await page.locator("input[name=password]").fill("supersecret")
      await page.locator("button[type=submit]").click()
      await page.waitForURL((url) => !url.pathname.endsWith("/login"))
      await page.goto(`${admin.url}/app/orders/${orderId}`)
      const widget = page.getByTestId("gateway-payments-widget")
      await widget.waitFor({ timeout: 60_000 })
      await expectText(widget, "RubitPay", { contains: true })
      await expectText(widget, "success", { contains: true })
      await widget.scrollIntoViewIfNeeded()
      await shot(page, "order-widget")
      await page.close()
    })
  },
})

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
}

/**
 * Waits until the element's text matches (exactly for a string, or the
 * pattern), as Playwright's own web-first assertions do (they live in
 * @playwright/test, which this suite does not need), then checks it.
 */
async function expectText(locator: Locator, expected: string | RegExp, { contains = false } = {}) {
  const matches = (text: string) =>
    typeof expected === "string" ? (contains ? text.includes(expected) : text === expected) : expected.test(text)
  const deadline = Date.now() + 30_000
  let text = ""
  while (Date.now() < deadline) {
    text = ((await locator.textContent().catch(() => null)) ?? "").trim()
    if (matches(text)) break
    await new Promise((r) => setTimeout(r, 200))
  }
  if (typeof expected === "string" && contains) expect(text).toContain(expected)
  else if (typeof expected === "string") expect(text).toBe(expected)
  else expect(text).toMatch(expected)
}
