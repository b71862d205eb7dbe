import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import axios from "axios"
import { reconcilePendingPayments } from "../../src/jobs/reconcile-pending-payments"
import { runGatewayEvent } from "../../src/workflows/run-gateway-event"
import { buildGatewayEvent } from "../../src/providers/base/redirect-provider"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { readRombBody, rombSignature } from "../../src/providers/romb/signature"
import { adminHeaders } from "../helpers/admin"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { redirectSuite } from "../helpers/redirect-suite"
import { createPaymentSession, paidOrder, paymentStatus, waitFor } from "../helpers/storefront"

jest.setTimeout(180_000)

const ROMB = "pp_romb_romb"
const SINGLE = "pp_rubitpay_rubitpay"
const HOLD = "pp_rubitpay_hold"
const OBMIN = "pp_exchanger_obmin"

/**
 * What a gateway says after the order exists: an ending (failure, cancel,
 * return, release) ends the Medusa payment too, without calling the gateway
 * back, and the operator is told on the order; what the customer merely
 * claims (the exchanger's `inProgress`) makes no order.
 */
redirectSuite({
  paymentProviderIds: [ROMB, SINGLE, HOLD, OBMIN],
  testSuite: ({ api, getContainer, seeded, store, startPayment }) => {
    beforeEach(async () => {
      await axios.post(`${process.env.SANDBOX_URL}/__control/reset`)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-hold-shop", `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_hold`)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_rubitpay`)
      await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`)
    })

    async function payment(orderId: string) {
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "order",
        fields: ["payment_collections.payments.id", "payment_collections.payments.captured_at", "payment_collections.payments.canceled_at"],
        filters: { id: orderId },
      })
      return (data[0] as any).payment_collections[0].payments[0]
    }
    async function orderStatus(orderId: string) {
      const { data } = await getContainer().resolve(ContainerRegistrationKeys.QUERY).graph({ entity: "order", fields: ["status"], filters: { id: orderId } })
      return (data[0] as any).status as string
    }
    const events = (sessionId: string) =>
      getContainer().resolve(GATEWAY_INBOX_MODULE).listGatewayEvents({ session_id: sessionId }, { order: { created_at: "ASC" } })
    const gatewayCalls = async (pathName: string) =>
      (await axios.get(`${process.env.SANDBOX_URL}/__control/requests`)).data.filter((r: any) => r.path === pathName)
    const walk = async (redirectUrl: string, status: string) =>
      (await axios.post(`${redirectUrl}/${status}`, null, { headers: { Accept: "application/json" } })).data

    it("RubitPay two-step: a fail after the held order exists cancels the Medusa payment without calling unhold", async () => {
      const { cart, session } = await startPayment(HOLD)
      await rubitPaySandbox.click(session.data.redirect_url, "hold")
      const orderId = await paidOrder(api, cart.id)
      expect((await payment(orderId)).canceled_at).toBeFalsy()

      await rubitPaySandbox.setStatus(session.id, "fail")
      await waitFor(async () => ((await payment(orderId)).canceled_at ? true : undefined))
      const ended = await payment(orderId)
      expect(ended.captured_at).toBeFalsy()
      expect(await gatewayCalls("/rubitpay/invoice/unhold")).toHaveLength(0)
      // this registration has cancelOrderOnPaymentCancel: the order is canceled too
      const fail = await waitFor(async () => (await events(session.id)).find((e: any) => e.gateway_status === "fail" && e.state === "processed"))
      expect(fail.flag_reason).toBe("the gateway reported fail after the order was placed; the payment was canceled in Medusa, and the order was canceled")
      expect(await orderStatus(orderId)).toBe("canceled")
    })

    it("exchanger: the customer's own inProgress makes no order; inProgressPayout makes one; done captures it once", async () => {
      const { cart, session } = await startPayment(OBMIN, { from_values: { card: "4111111111111111" } })
      // the card number went to the exchanger; the public session data keeps only a masked copy
      expect(session.data.from_values).toEqual({ card: "411111******1111" })
      const { data: stored } = await getContainer()
        .resolve(ContainerRegistrationKeys.QUERY)
        .graph({ entity: "payment_session", fields: ["data"], filters: { id: session.id } })
      expect(JSON.stringify(stored[0])).not.toContain("4111111111111111")
      const claimed = await walk(session.data.redirect_url, "inProgress")
      expect(claimed.ipn).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      await waitFor(async () => ((await events(session.id))[0]?.state === "processed" ? true : undefined))
      expect((await paymentStatus(api, cart.id)).status).toBe("pending")
      const early = await api.post(`/store/carts/${cart.id}/complete`, {}, store()).catch((e) => e.response)
      expect(early.data.type).toBe("cart")

      await walk(session.data.redirect_url, "inProgressPayout")
      const orderId = await paidOrder(api, cart.id)
      expect((await payment(orderId)).captured_at).toBeFalsy()
      await walk(session.data.redirect_url, "done")
      await waitFor(async () => ((await payment(orderId)).captured_at ? true : undefined))
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({ entity: "order_cart", fields: ["order_id"], filters: { cart_id: cart.id } })
      expect(data).toHaveLength(1)
    })

    it("exchanger: returned after the payment was accepted cancels the Medusa payment", async () => {
      const { cart, session } = await startPayment(OBMIN, { from_values: { card: "4111111111111111" } })
      await walk(session.data.redirect_url, "inProgressPayout")
      const orderId = await paidOrder(api, cart.id)
      await walk(session.data.redirect_url, "returned")
      await waitFor(async () => ((await payment(orderId)).canceled_at ? true : undefined))
      expect(await gatewayCalls("/exchanger/obmin/api/public/exchanger/order/update-status")).toHaveLength(0)
      const returned = await waitFor(async () => (await events(session.id)).find((e: any) => e.gateway_status === "returned" && e.state === "processed"))
      expect(returned.flag_reason).toBe("the gateway reported returned after the order was placed; the payment was canceled in Medusa")
      // cancelOrderOnPaymentCancel is off (the default) for this registration: the order stays for the operator
      expect(await orderStatus(orderId)).not.toBe("canceled")
    })

    it("a paid cart is frozen until it is the order: changes and new sessions get a clear 400, the order is made for what was paid", async () => {
      const { cart, session } = await startPayment(ROMB)
      const total = session.data.gateway_amount as string
      // Romb's PAID is stored, and the process dies before it is processed
      const paid = buildGatewayEvent("sandbox-romb-private", {
        action: "captured",
        session_id: session.id,
        amount: total,
        event_key: `tx-frozen:PAID`,
        gateway_status: "PAID",
        gateway_reference: "tx-frozen",
      })
      const [stored] = await getContainer().resolve(GATEWAY_INBOX_MODULE).createGatewayEvents([
        {
          provider_id: ROMB,
          event_key: paid.data.event_key,
          session_id: session.id,
          action: paid.action,
          gateway_status: "PAID",
          gateway_reference: "tx-frozen",
          amount: total,
          state: "received",
          confirmation: paid.data.confirmation,
        },
      ])

      const more = await api
        .post(`/store/carts/${cart.id}/line-items`, { variant_id: seeded().variantId, quantity: 1 }, store())
        .catch((e) => e.response)
      expect(more.status).toBe(400)
      expect(more.data.message).toMatch(/^This cart is paid \(pp_romb_romb, status PAID\); it cannot change any more/)
      const another = await api
        .post(`/store/payment-collections/${session.payment_collection_id}/payment-sessions`, { provider_id: HOLD }, store())
        .catch((e) => e.response)
      expect(another.status).toBe(400)
      const { data } = await api.get(`/store/carts/${cart.id}`, store())
      expect(data.cart.items).toHaveLength(1)

      await runGatewayEvent(getContainer(), stored.id)
      const orderId = await paidOrder(api, cart.id)
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data: orders } = await query.graph({
        entity: "order",
        fields: ["total", "payment_collections.status", "payment_collections.payments.captures.amount"],
        filters: { id: orderId },
      })
      const order = orders[0] as any
      expect(order.payment_collections[0].status).toBe("completed")
      expect(String(order.payment_collections[0].payments[0].captures[0].amount)).toBe(String(Number(total)))
    })

    it("Romb (no refund call): a canceled order shows the refund due; the operator records the refund made in Romb's dashboard once", async () => {
      const admin = await adminHeaders(getContainer(), api).catch(async () => {
        // the admin user exists already when another test of this file registered it
        const { data } = await api.post("/auth/user/emailpass", { email: "admin@example.com", password: "supersecret" })
        return { headers: { authorization: `Bearer ${data.token}` } }
      })
      const { cart, session } = await startPayment(ROMB)
      await rombSandbox.pay(session.data.redirect_url)
      const orderId = await paidOrder(api, cart.id)
      await waitFor(async () => ((await payment(orderId)).captured_at ? true : undefined))
      const paymentId = (await payment(orderId)).id
      const total = session.data.gateway_amount as string

      const refusedByRomb = await api.post(`/admin/payments/${paymentId}/refund`, { amount: 10 }, admin).catch((e) => e.response)
      expect(refusedByRomb.status).toBe(400)
      expect(refusedByRomb.data.message).toMatch(/Romb has no refund API.*record it on the order/)

      const view = async () => (await api.get(`/admin/payment-gateways/orders/${orderId}`, admin)).data
      expect((await view()).payments[0]).toEqual(expect.objectContaining({ refundable: total, refund_due: null }))
      const canceled = await api.post(`/admin/orders/${orderId}/cancel`, {}, admin).catch((e) => e.response)
      // Medusa tries to refund captured payments when it cancels an order, logs the provider's refusal and cancels anyway
      expect(canceled.status).toBe(200)
      expect((await view()).payments[0]).toEqual(expect.objectContaining({ payment_id: paymentId, refund_due: total }))

      const tooMuch = await api
        .post(`/admin/payment-gateways/payments/${paymentId}/refund-made-at-gateway`, { amount: Number(total) + 1 }, admin)
        .catch((e) => e.response)
      expect(tooMuch.status).toBe(400)
      const recorded = await api.post(
        `/admin/payment-gateways/payments/${paymentId}/refund-made-at-gateway`,
        { amount: Number(total), note: "Refunded in the Romb dashboard, ticket 42" },
        admin
      ).catch((e) => e.response)
      expect(recorded.data).toEqual({ payment: expect.objectContaining({ id: paymentId }) })
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "payment",
        fields: ["refunds.amount", "refunds.note", "data"],
        filters: { id: paymentId },
      })
      const refunded = data[0] as any
      expect(refunded.refunds.map((r: any) => String(r.amount))).toEqual([String(Number(total))])
      expect(refunded.data.refunds).toEqual([expect.objectContaining({ amount: total, made_at_gateway: true, note: "Refunded in the Romb dashboard, ticket 42" })])
      expect(refunded.data.gateway_refund_made_at_gateway ?? null).toBeNull()
      expect((await view()).payments[0]).toEqual(expect.objectContaining({ refundable: null, refund_due: null }))
      const again = await api
        .post(`/admin/payment-gateways/payments/${paymentId}/refund-made-at-gateway`, { amount: 1 }, admin)
        .catch((e) => e.response)
      expect(again.status).toBe(400)
      expect(again.data.message).toMatch(/0\.00 of this payment is captured and not yet refunded/)
    })

    it("a dropped session paid at RubitPay is verified, recorded and flagged with its cart, not answered 404", async () => {
      const { cart, session: first } = await startPayment(SINGLE)
      // the shopper goes back and starts over: Medusa drops the first session, its invoice stays payable
      const second = await createPaymentSession(api, cart.id, SINGLE, {})
      expect(second.id).not.toBe(first.id)
      const { data } = await api.get(`/store/carts/${cart.id}?fields=payment_collection.payment_sessions.id`, store())
      expect(data.cart.payment_collection.payment_sessions.map((s: any) => s.id)).toEqual([second.id])

      const paid = await rubitPaySandbox.click(first.data.redirect_url, "pay")
      expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      const [event] = await events(first.id)
      expect(event).toEqual(
        expect.objectContaining({
          state: "flagged",
          action: "captured",
          flag_reason: expect.stringContaining(`which cart ${cart.id} no longer has`),
        })
      )
      const { data: orders } = await getContainer()
        .resolve(ContainerRegistrationKeys.QUERY)
        .graph({ entity: "order_cart", fields: ["order_id"], filters: { cart_id: cart.id } })
      expect(orders).toHaveLength(0)
      const [order] = await getContainer().resolve(GATEWAY_INBOX_MODULE).listGatewayOrders({ session_id: first.id })
      expect(order).toEqual(expect.objectContaining({ state: "dropped", cart_id: cart.id, currency_code: "rub" }))
    })

    it("reconciliation finds a lost webhook as fast among 100,000 recent payments (98,000 settled, 2,000 not yet due) as on an empty shop", async () => {
      const inbox = getContainer().resolve(GATEWAY_INBOX_MODULE)
      const manager = getContainer().resolve("__pg_connection__")
      // a busy shop: settled gateway orders in the 7-day window, and open ones checked a moment ago
      await manager.raw(
        `insert into gateway_order (id, provider_id, session_id, payment_collection_id, amount, raw_amount, currency_code, state, next_check_at, created_at)
         select 'gword_settled_' || n, ?, 'payses_settled_' || n, 'pay_col_' || n, 1790.5, '{"value":"1790.5","precision":20}', 'rub',
                case when n <= 98000 then 'settled' else 'open' end,
                case when n <= 98000 then null else now() + interval '10 minutes' end,
                now() - (n % 6000) * interval '1 minute'
           from generate_series(1, 100000) n`,
        [SINGLE]
      )
      await rubitPaySandbox.features({ check: true })
      const { cart, session } = await startPayment(SINGLE)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", null)
      await rubitPaySandbox.click(session.data.redirect_url, "pay")
      const started = Date.now()
      const recorded = await reconcilePendingPayments(getContainer(), Date.now() + 5 * 60_000)
      const took = Date.now() - started
      expect(recorded).toHaveLength(1)
      await paidOrder(api, cart.id)
      console.log(`[lifecycle] reconciliation run among 100,000 recorded gateway orders: ${took} ms`)
      await manager.raw(`delete from gateway_order where id like 'gword_settled_%'`)
      // the gateway's final word settles the record: later runs do not ask about it again
      await waitFor(async () => ((await inbox.listGatewayOrders({ session_id: session.id }))[0]?.state === "settled" ? true : undefined))
    })

    async function admin() {
      return adminHeaders(getContainer(), api).catch(async () => {
        // registered by an earlier test of this file
        const { data } = await api.post("/auth/user/emailpass", { email: "admin@example.com", password: "supersecret" })
        return { headers: { authorization: `Bearer ${data.token}` } }
      })
    }

    it("RubitPay as documented (create/hold answer { result, redirect_url }, no invoice/check): orders are made, references come from the first webhook, a two-step cancel calls unhold once", async () => {
      await rubitPaySandbox.features({ check: false, invoiceId: false })
      const single = await startPayment(SINGLE)
      expect(single.session.data.gateway_reference).toBeNull()
      await rubitPaySandbox.click(single.session.data.redirect_url, "pay")
      const singleOrder = await paidOrder(api, single.cart.id)
      await waitFor(async () => ((await payment(singleOrder)).captured_at ? true : undefined))

      const held = await startPayment(HOLD)
      await rubitPaySandbox.click(held.session.data.redirect_url, "hold")
      const heldOrder = await paidOrder(api, held.cart.id)
      const invoice = await rubitPaySandbox.invoice(held.session.id)
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data: sessions } = await query.graph({ entity: "payment_session", fields: ["data"], filters: { id: held.session.id } })
      expect((sessions[0] as any).data.gateway_reference).toBe(invoice.invoice_id)

      const canceled = await api.post(`/admin/orders/${heldOrder}/cancel`, {}, await admin())
      expect(canceled.status).toBe(200)
      expect(await gatewayCalls("/rubitpay/invoice/unhold")).toHaveLength(1)
      expect((await rubitPaySandbox.invoice(held.session.id)).status).toBe("fail")
      expect((await payment(heldOrder)).canceled_at).toBeTruthy()
    })

    it("RubitPay invoice/check answering an error does not block a verified webhook: the order is made", async () => {
      await rubitPaySandbox.features({ check: true, checkError: "internal_error" })
      const { cart, session } = await startPayment(SINGLE)
      await rubitPaySandbox.click(session.data.redirect_url, "pay")
      const orderId = await paidOrder(api, cart.id)
      await waitFor(async () => ((await payment(orderId)).captured_at ? true : undefined))
      expect((await gatewayCalls("/rubitpay/invoice/check")).length).toBeGreaterThan(0)
    })

    it("a late WAIT after PAID moves nothing back (Romb)", async () => {
      const { cart, session } = await startPayment(ROMB)
      await rombSandbox.pay(session.data.redirect_url)
      const orderId = await paidOrder(api, cart.id)
      await waitFor(async () => ((await payment(orderId)).captured_at ? true : undefined))
      const [paid] = await events(session.id)
      const body = JSON.stringify({ id: paid.gateway_reference, order_id: session.id, amount: Number(session.data.gateway_amount), status: "WAIT" })
      const sign = rombSignature(readRombBody(body, "application/json"), "sandbox-romb-private")
      const late = await axios.post(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`, `${body.slice(0, -1)},"sign":"${sign}"}`, {
        headers: { "Content-Type": "application/json" },
        validateStatus: () => true,
      })
      expect(late.status).toBe(200)
      const wait = await waitFor(async () => {
        const event = (await events(session.id)).find((e: any) => e.gateway_status === "WAIT")
        return event && !["received", "processing"].includes(event.state) ? event : undefined
      })
      expect(wait.state).toBe("ignored")
      expect((await payment(orderId)).captured_at).toBeTruthy()
      expect((await paymentStatus(api, cart.id)).status).toBe("paid")
      const { data } = await getContainer()
        .resolve(ContainerRegistrationKeys.QUERY)
        .graph({ entity: "payment_session", fields: ["data", "status"], filters: { id: session.id } })
      expect((data[0] as any).data.gateway_status).toBe("PAID")
    })
  },
})
