import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import axios from "axios"
import path from "node:path"
import { reconcilePendingPayments } from "../../src/jobs/reconcile-pending-payments"
import { warnExpiringHolds } from "../../src/jobs/warn-expiring-holds"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { verifyRubitPaySignature } from "../../src/providers/rubitpay/signature"
import { adminFeed, adminHeaders } from "../helpers/admin"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { seedStore, SeededStore } from "../helpers/seed-store"
import { completeCart, createCartReadyForPayment, createPaymentSession, paidOrder, waitFor } from "../helpers/storefront"

jest.setTimeout(180_000)

const SINGLE = "pp_rubitpay_rubitpay"
const HOLD = "pp_rubitpay_hold"
const SHOPS = {
  [SINGLE]: { shopId: "sandbox-rubitpay-shop", secret: "sandbox-rubitpay-secret", hook: "/hooks/payment-gateways/rubitpay_rubitpay" },
  [HOLD]: { shopId: "sandbox-rubitpay-hold-shop", secret: "sandbox-rubitpay-hold-secret", hook: "/hooks/payment-gateways/rubitpay_hold" },
}

medusaIntegrationTestRunner({
  cwd: path.join(__dirname, "../.."),
  inApp: true,
  testSuite: ({ api, getContainer }) => {
    let seeded: SeededStore
    let admin: { headers: Record<string, string> }
    const store = () => ({ headers: { "x-publishable-api-key": seeded.publishableKey } })

    beforeAll(async () => {
      seeded = await seedStore(getContainer(), { paymentProviderIds: [SINGLE, HOLD] })
    })

    beforeEach(async () => {
      await axios.post(`${process.env.SANDBOX_URL}/__control/reset`)
      // this suite covers the engine's extras (invoice_id in create answers, invoice/check); the documented
      // shape alone, the sandbox's default, is covered in lifecycle.spec.ts
      await rubitPaySandbox.features({ check: true, invoiceId: true })
      for (const shop of Object.values(SHOPS)) {
        await rubitPaySandbox.setCallbackUrl(shop.shopId, `${api.defaults.baseURL}${shop.hook}`)
      }
      admin = await adminHeaders(getContainer(), api)
    })

    async function start(providerId: string, data: Record<string, unknown> = {}) {
      const cart = await createCartReadyForPayment(api, seeded, { email: "buyer@example.com" })
      const session = await createPaymentSession(api, cart.id, providerId, data)
      return { cart, session }
    }

    const inbox = () => getContainer().resolve(GATEWAY_INBOX_MODULE)
    async function payments(orderId: string) {
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "order",
        fields: ["payment_collections.payments.id", "payment_collections.payments.captured_at", "payment_collections.payments.canceled_at", "payment_collections.payments.captures.id", "payment_collections.payments.refunds.amount"],
        filters: { id: orderId },
      })
      return (data[0] as any).payment_collections.flatMap((c: any) => c.payments)
    }

    const sandboxRequests = async (method: string) =>
      (await axios.get(`${process.env.SANDBOX_URL}/__control/requests`)).data.filter(
        (r: any) => r.path === `/rubitpay/invoice/${method}`
      )

    it("the cart changes while the customer is on RubitPay's page, then they pay the old invoice: flagged at once, its gateway order dropped, no order", async () => {
      const { cart, session } = await start(SINGLE)
      // another tab changes the cart: Medusa's refresh of the payment collection deletes the session (not the
      // plugin's new-session route), and RubitPay's unpaid invoice is simply left to lapse
      await api.post(`/store/carts/${cart.id}/line-items/${cart.items[0].id}`, { quantity: 2 }, store())
      const { data } = await api.get(`/store/carts/${cart.id}?fields=payment_collection.payment_sessions.id`, store())
      expect(data.cart.payment_collection.payment_sessions).toEqual([])

      const paid = await rubitPaySandbox.click(session.data.redirect_url, "pay")
      expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      const event = await waitFor(async () => {
        const [stored] = await inbox().listGatewayEvents({ session_id: session.id })
        return stored && !["received", "processing"].includes(stored.state) ? stored : undefined
      })
      // processed once and flagged, not failed and retried
      expect(event).toEqual(
        expect.objectContaining({
          state: "flagged",
          action: "captured",
          attempts: 1,
          flag_reason: `gateway reported success for payment session ${session.id}, which the cart no longer has`,
        })
      )
      // reconciliation asks only about open gateway orders; later news for it is flagged or ignored at intake
      const [gatewayOrder] = await inbox().listGatewayOrders({ session_id: session.id })
      expect(gatewayOrder.state).toBe("dropped")
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data: orders } = await query.graph({ entity: "order_cart", fields: ["order_id"], filters: { cart_id: cart.id } })
      expect(orders).toEqual([])
    })

    it("single-step: pay on RubitPay, the webhook creates the order with the payment captured", async () => {
      const { cart, session } = await start(SINGLE, { payway: "sbp", cart_id: "ignored-for-urls" })
      expect(session.data).toEqual(expect.objectContaining({ gateway: "rubitpay", gateway_amount: "1790.50", gateway_status: "created" }))
      const invoice = await rubitPaySandbox.invoice(session.id)
      expect(invoice.request).toEqual(
        expect.objectContaining({ shop_order_id: session.id, amount: "1790.50", currency: "RUB", payway: "sbp", success_url: `${process.env.STOREFRONT_URL}/checkout/ignored-for-urls?payment=success` })
      )
      const paid = await rubitPaySandbox.click(session.data.redirect_url, "pay")
      expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      const orderId = await paidOrder(api, cart.id)
      const [payment] = await payments(orderId)
      expect(payment.captured_at).toBeTruthy()
      expect(payment.captures).toHaveLength(1)
    })

    it("two-step: the hold creates the order authorized; the admin's Capture charges at RubitPay with a valid sign", async () => {
      const { cart, session } = await start(HOLD)
      await rubitPaySandbox.click(session.data.redirect_url, "hold")
      const orderId = await paidOrder(api, cart.id)
      const [held] = await payments(orderId)
      expect(held.captured_at).toBeFalsy()

      await api.post(`/admin/payments/${held.id}/capture`, {}, admin)
      const [charge] = await sandboxRequests("charge")
      expect(charge.body).toEqual(expect.objectContaining({ shop_id: SHOPS[HOLD].shopId, shop_order_id: session.id }))
      expect(verifyRubitPaySignature(charge.body, SHOPS[HOLD].secret)).toBe(true)
      expect((await rubitPaySandbox.invoice(session.id)).status).toBe("success")
      const [captured] = await payments(orderId)
      expect(captured.captured_at).toBeTruthy()
    })

    it("two-step: a day before the 5-day hold ends, the operator is warned once on the timeline and in the feed", async () => {
      const { cart, session } = await start(HOLD)
      await rubitPaySandbox.click(session.data.redirect_url, "hold")
      const orderId = await paidOrder(api, cart.id)
      const day = 24 * 3600_000
      expect(await warnExpiringHolds(getContainer(), Date.now() + 3 * day)).toHaveLength(0)
      expect(await warnExpiringHolds(getContainer(), Date.now() + 4.5 * day)).toHaveLength(1)
      expect(await warnExpiringHolds(getContainer(), Date.now() + 4.6 * day)).toHaveLength(0)
      const { data: view } = await api.get(`/admin/payment-gateways/orders/${orderId}`, admin)
      expect(view.events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ state: "flagged", flag_reason: expect.stringMatching(/^the gateway holds this money only until .+: capture or cancel the payment before then$/) }),
        ])
      )
      expect(await adminFeed(api, admin)).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ title: expect.stringMatching(/^Payment of order #\d+ needs attention$/) }) }),
      ])
      // a captured payment is not warned about
      const [held] = await payments(orderId)
      await api.post(`/admin/payments/${held.id}/capture`, {}, admin)
      await inbox().deleteGatewayEvents((await inbox().listGatewayEvents({ event_key: `${session.id}:hold-expiry` })).map((e: any) => e.id))
      expect(await warnExpiringHolds(getContainer(), Date.now() + 4.5 * day)).toHaveLength(0)
    })

    it("two-step: canceling the order releases the hold at RubitPay", async () => {
      const { cart, session } = await start(HOLD)
      await rubitPaySandbox.click(session.data.redirect_url, "hold")
      const orderId = await paidOrder(api, cart.id)
      await api.post(`/admin/orders/${orderId}/cancel`, {}, admin)
      expect(await sandboxRequests("unhold")).toHaveLength(1)
      expect((await rubitPaySandbox.invoice(session.id)).status).toBe("fail")
      const [payment] = await payments(orderId)
      expect(payment.canceled_at).toBeTruthy()
    })

    it("a held payment canceled in Medusa whose unhold webhook is lost is left alone by reconciliation", async () => {
      const { cart, session } = await start(HOLD)
      await rubitPaySandbox.click(session.data.redirect_url, "hold")
      const orderId = await paidOrder(api, cart.id)
      await rubitPaySandbox.setCallbackUrl(SHOPS[HOLD].shopId, null)
      await api.post(`/admin/orders/${orderId}/cancel`, {}, admin)
      expect((await rubitPaySandbox.invoice(session.id)).status).toBe("fail")
      expect(await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)).toHaveLength(0)
    })

    it("a refund from the admin is made at RubitPay, idempotent by the Medusa refund id", async () => {
      const { cart, session } = await start(SINGLE)
      await rubitPaySandbox.click(session.data.redirect_url, "pay")
      const orderId = await paidOrder(api, cart.id)
      const [payment] = await payments(orderId)
      await api.post(`/admin/payments/${payment.id}/refund`, { amount: 500 }, admin)
      const invoice = await rubitPaySandbox.invoice(session.id)
      expect(invoice.refunds).toEqual([{ shop_refund_id: expect.stringMatching(/^ref/), amount: "500.00" }])
      const [refunded] = await payments(orderId)
      expect(refunded.refunds.map((r: any) => Number(r.amount))).toEqual([500])
    })

    it("a refund made in the RubitPay dashboard is recorded on the Medusa payment once, without a refund call", async () => {
      const { cart, session } = await start(SINGLE)
      await rubitPaySandbox.click(session.data.redirect_url, "pay")
      const orderId = await paidOrder(api, cart.id)
      const [payment] = await payments(orderId)
      // one refund from the admin (its notification echoes 500), then 300 more in the dashboard
      await api.post(`/admin/payments/${payment.id}/refund`, { amount: 500 }, admin)
      const { delivery } = await rubitPaySandbox.dashboardRefund(session.id, "300.00")
      expect(delivery.httpStatus).toBe(200)
      const refunds = await waitFor(async () => {
        const [p] = await payments(orderId)
        const amounts = p.refunds.map((r: any) => Number(r.amount)).sort()
        return amounts.length === 2 ? amounts : undefined
      })
      expect(refunds).toEqual([300, 500])
      expect(await sandboxRequests("create-refund")).toHaveLength(1)
      // the same notification again (total 800.00) changes nothing
      const again = await rubitPaySandbox.setStatus(session.id, "refund")
      expect(again.delivery.httpStatus).toBe(200)
      await new Promise((r) => setTimeout(r, 1500))
      const [after] = await payments(orderId)
      expect(after.refunds).toHaveLength(2)
    })

    it.each([
      ["invalid_sign", 500, /secretKey option \(invalid_sign\)/],
      ["invalid_shop", 500, /shopId option \(invalid_shop\)/],
      ["duplicate_order", 400, /new payment session \(duplicate_order\)/],
      ["unsupported_payway", 400, /choose another one \(unsupported_payway\)/],
      ["insufficient_funds", 400, /another card or payment method \(insufficient_funds\)/],
    ])("fatal %s: a clear storefront error and no order", async (code, status, message) => {
      await rubitPaySandbox.failNext(code)
      const cart = await createCartReadyForPayment(api, seeded, { email: "buyer@example.com" })
      const error = await createPaymentSession(api, cart.id, SINGLE, {}).catch((e: any) => e.response)
      expect(error.status).toBe(status)
      expect(error.data.message).toMatch(message)
      expect((await completeCart(api, cart.id)).status).toBe(400)
    })

    it("a create whose answer timed out is retried with the same shop_order_id: one invoice, one session", async () => {
      await rubitPaySandbox.hangNextInvoice(Number(process.env.GATEWAY_TIMEOUT_MS ?? 5000) + 1000)
      const { session } = await start(SINGLE)
      const invoice = await rubitPaySandbox.invoice(session.id)
      expect(invoice.opened).toBe(2)
      expect(session.data).toEqual(
        expect.objectContaining({ gateway_reference: invoice.invoice_id, redirect_url: expect.stringContaining(invoice.invoice_id) })
      )
      expect(await rubitPaySandbox.invoices()).toHaveLength(1)
    })

    it("processing_error keeps the session pending; the later success webhook creates the order", async () => {
      await rubitPaySandbox.failNext("processing_error")
      const { cart, session } = await start(SINGLE)
      expect(session.data).toEqual(expect.objectContaining({ gateway_status: "processing_error", redirect_url: null }))
      const { delivery } = await rubitPaySandbox.setStatus(session.id, "success")
      expect(delivery.httpStatus).toBe(200)
      await paidOrder(api, cart.id)
    })

    it("the webhook never comes but the customer returns: the status call finds the payment", async () => {
      await rubitPaySandbox.setCallbackUrl(SHOPS[SINGLE].shopId, null)
      const { cart, session } = await start(SINGLE)
      const paid = await rubitPaySandbox.click(session.data.redirect_url, "pay")
      expect(paid.webhook.delivered).toBe(false)
      const completion = await completeCart(api, cart.id)
      expect(completion.body.type).toBe("order")
      const [payment] = await payments(completion.body.order.id)
      expect(payment.captured_at).toBeTruthy()
    })

    it("the webhook is lost and the customer never returns: reconciliation asks invoice/check and creates the order", async () => {
      await rubitPaySandbox.setCallbackUrl(SHOPS[SINGLE].shopId, null)
      const { cart, session } = await start(SINGLE)
      expect((await rubitPaySandbox.click(session.data.redirect_url, "pay")).webhook.delivered).toBe(false)
      // too early: the payment is younger than reconcileAfterSeconds
      expect(await reconcilePendingPayments(getContainer())).toHaveLength(0)
      const runs = await Promise.all([1, 2].map(() => reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)))
      expect(runs.flat()).toHaveLength(1)
      const orderId = await paidOrder(api, cart.id)
      const [payment] = await payments(orderId)
      expect(payment.captured_at).toBeTruthy()
      // the webhook delivered late is the same event: acknowledged, not processed again
      await rubitPaySandbox.setCallbackUrl(SHOPS[SINGLE].shopId, `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_rubitpay`)
      expect((await rubitPaySandbox.setStatus(session.id, "success")).delivery.httpStatus).toBe(200)
      expect(await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)).toHaveLength(0)
      const events = await inbox().listGatewayEvents({ session_id: session.id })
      expect(events).toEqual([expect.objectContaining({ action: "captured", payload: expect.objectContaining({ source: "reconciliation" }) })])
    })

    it("a declined payment (fail) creates no order", async () => {
      const { cart, session } = await start(SINGLE)
      await rubitPaySandbox.click(session.data.redirect_url, "decline")
      await waitFor(async () => {
        const { data } = await api.get(`/store/carts/${cart.id}/payment-status`, store())
        return data.status === "failed" ? true : undefined
      })
      expect((await completeCart(api, cart.id)).status).toBe(400)
    })

    it("a webhook signed for the other shop is refused", async () => {
      const { session } = await start(SINGLE)
      const response = await axios.post(
        `${api.defaults.baseURL}${SHOPS[HOLD].hook}`,
        { shop_id: SHOPS[SINGLE].shopId, shop_order_id: session.id, invoice_id: "1", status: "success", amount: "1790.50", currency: "RUB", sign: "0".repeat(64) },
        { validateStatus: () => true }
      )
      expect(response.status).toBe(401)
    })
  },
})
