import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import axios from "axios"
import { recordVerifiedGatewayEvent } from "../../src/gateway-events/inbox"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { buildGatewayEvent } from "../../src/providers/base/redirect-provider"
import { runGatewayEvent } from "../../src/workflows/run-gateway-event"
import { adminHeaders } from "../helpers/admin"
import { redirectSuite } from "../helpers/redirect-suite"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { seedStockedVariant } from "../helpers/seed-store"
import { completeCart, createPaymentSession, ordersForCart, paymentStatus, RUSSIAN_ADDRESS, waitFor } from "../helpers/storefront"

jest.setTimeout(240_000)

const ROMB = "pp_romb_romb"
const SINGLE = "pp_rubitpay_rubitpay"
const HOLD = "pp_rubitpay_hold"
const OBMIN = "pp_exchanger_obmin"

/**
 * Money is never held in silence: a paid cart Medusa refuses (the last unit
 * sold to someone else, no shipping method) is an alert at once and a
 * payment the operator resolves; the customer is told the truth; refunds do
 * not take each other's record; a cart paid at the gateway refuses changes
 * with a 400; the exchanger's errorPayout is money only after it accepted
 * the payment, and statuses never move the confirmation back.
 */
redirectSuite({
  paymentProviderIds: [ROMB, SINGLE, HOLD, OBMIN],
  testSuite: ({ api, getContainer, seeded, store, startPayment }) => {
    let admin: { headers: Record<string, string> }
    beforeAll(async () => {
      admin = await adminHeaders(getContainer(), api)
    })
    beforeEach(async () => {
      await axios.post(`${process.env.SANDBOX_URL}/__control/reset`)
      await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_rubitpay`)
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-hold-shop", `${api.defaults.baseURL}/hooks/payment-gateways/rubitpay_hold`)
    })

    const query = () => getContainer().resolve(ContainerRegistrationKeys.QUERY)
    const inbox = () => getContainer().resolve(GATEWAY_INBOX_MODULE)
    const events = (sessionId: string) => inbox().listGatewayEvents({ session_id: sessionId }, { order: { created_at: "ASC" } })
    const gatewayCalls = async (pathName: string) =>
      (await axios.get(`${process.env.SANDBOX_URL}/__control/requests`)).data.filter((r: any) => r.path === pathName)

    /** A cart of `variantId`, with the seeded shipping option unless `shipping` is false, and a session with `providerId`. */
    async function checkout(providerId: string, { variantId = seeded().variantId, shipping = true, email = "buyer@example.com" } = {}) {
      const { data } = await api.post(
        "/store/carts",
        {
          region_id: seeded().regionId,
          sales_channel_id: seeded().salesChannelId,
          email,
          items: [{ variant_id: variantId, quantity: 1 }],
          shipping_address: RUSSIAN_ADDRESS,
          billing_address: RUSSIAN_ADDRESS,
        },
        store()
      )
      if (shipping) await api.post(`/store/carts/${data.cart.id}/shipping-methods`, { option_id: seeded().shippingOptionId }, store())
      const session = await createPaymentSession(api, data.cart.id, providerId, {}, seeded())
      return { cart: data.cart as { id: string }, session }
    }

    /** The cart's order, once its payment is confirmed and the order placed. */
    const placedOrder = (cartId: string) =>
      waitFor(async () => {
        const answer = await paymentStatus(api, cartId, seeded())
        return answer.status === "paid" ? answer.order_id : undefined
      })

    const paidWithoutOrder = (sessionId: string) =>
      waitFor(async () => (await inbox().listPaidWithoutOrders({ session_id: sessionId }))[0])

    async function feedAbout(cartId: string) {
      return waitFor(async () => {
        const { data } = await api.get("/admin/notifications", admin)
        return data.notifications.find((n: any) => String(n.data?.description ?? "").includes(cartId))
      })
    }

    async function collection(cartId: string) {
      const { data } = await query().graph({
        entity: "cart",
        fields: ["items.id", "email", "customer_id", "payment_collection.amount", "payment_collection.payment_sessions.id"],
        filters: { id: cartId },
      })
      return data[0] as any
    }

    async function paymentOfSession(sessionId: string) {
      const [payment] = await getContainer()
        .resolve(Modules.PAYMENT)
        .listPayments({ payment_session_id: sessionId }, { relations: ["captures", "refunds"] })
      return payment
    }

    it("two carts pay for the last unit: one order, and the other payment is an alert, resolved by placing the order once restocked", async () => {
      const variantId = await seedStockedVariant(getContainer(), seeded(), 1)
      const first = await checkout(ROMB, { variantId, email: "first@example.com" })
      const second = await checkout(ROMB, { variantId, email: "second@example.com" })

      // both carts hold the unit while it is in stock; the first payment takes it
      await rombSandbox.pay(first.session.data.redirect_url)
      await placedOrder(first.cart.id)
      await rombSandbox.pay(second.session.data.redirect_url)

      const loser = second
      const loserEmail = "second@example.com"
      const record = await paidWithoutOrder(loser.session.id)
      const told = await paymentStatus(api, loser.cart.id, seeded())
      expect(told.status).toBe("paid_no_order")
      expect(told.message).toBe(
        "Romb confirmed your payment, but the shop could not place the order. The shop has been told and will contact you about it; you do not need to pay again."
      )
      expect(await ordersForCart(getContainer(), loser.cart.id)).toHaveLength(0)

      // the operator is told at once: cart, email, amount, reason
      const amount = loser.session.data.gateway_amount as string
      expect(record).toEqual(
        expect.objectContaining({ state: "open", cart_id: loser.cart.id, email: loserEmail, amount, currency_code: "rub" })
      )
      expect(record.reason).toMatch(/inventory|stock/i)
      const alert = `Romb confirmed ${amount} RUB for cart ${loser.cart.id} (${loserEmail}), but the order could not be placed: ${record.reason.replace(/\.$/, "")}. The customer has paid and was told the shop will contact them: place the order once that is fixed, or give the money back, under Settings → Payment gateways → Paid, no order`
      const notification = await feedAbout(loser.cart.id)
      expect(notification.data).toEqual({
        title: "Paid, but the order could not be placed",
        description: `${ROMB}, payment session ${loser.session.id}: ${alert}.`,
      })
      const [event] = await events(loser.session.id)
      expect(event).toEqual(expect.objectContaining({ state: "flagged", flag_reason: alert }))
      // the Medusa payment is captured (Romb charges at once) and stays so
      expect((await paymentOfSession(loser.session.id)).captured_at).toBeTruthy()

      // the cart stays frozen for the shopper
      const more = await api
        .post(`/store/carts/${loser.cart.id}/line-items`, { variant_id: seeded().variantId, quantity: 1 }, store())
        .catch((e) => e.response)
      expect(more.status).toBe(400)
      expect(more.data.message).toMatch(/^This cart is paid/)

      // the admin's list, with what applies: Romb has no refund API, the payment is captured
      const { data: listed } = await api.get("/admin/payment-gateways/paid-without-order", admin)
      const row = listed.payments.find((p: any) => p.id === record.id)
      expect(row).toEqual(
        expect.objectContaining({ name: "Romb", cart_id: loser.cart.id, email: loserEmail, amount, actions: ["place_order", "record_refund"] })
      )
      const bad = await api.post(`/admin/payment-gateways/paid-without-order/${record.id}`, { action: "pay_twice" }, admin).catch((e) => e.response)
      expect(bad.status).toBe(400)

      // still out of stock: Medusa's refusal is the answer, the record stays open
      const refused = await api.post(`/admin/payment-gateways/paid-without-order/${record.id}`, { action: "place_order" }, admin).catch((e) => e.response)
      expect(refused.status).toBe(400)
      expect(refused.data.message).toMatch(/Medusa still refuses to place the order for cart/)

      // restocked: the order is placed for what was paid
      const { data: levels } = await query().graph({
        entity: "inventory_level",
        fields: ["id", "inventory_item_id", "location_id"],
        filters: { location_id: seeded().stockLocationId },
      })
      const { data: items } = await query().graph({ entity: "product_variant", fields: ["inventory_items.inventory_item_id"], filters: { id: variantId } })
      const itemId = (items[0] as any).inventory_items[0].inventory_item_id
      const level = (levels as any[]).find((l) => l.inventory_item_id === itemId)
      await getContainer().resolve(Modules.INVENTORY).updateInventoryLevels([{ id: level.id, inventory_item_id: itemId, location_id: level.location_id, stocked_quantity: 2 }])
      const placed = await api.post(`/admin/payment-gateways/paid-without-order/${record.id}`, { action: "place_order" }, admin)
      expect(placed.data.payment).toEqual(expect.objectContaining({ state: "resolved", resolution: "order_placed", order_id: expect.any(String) }))
      expect((await paymentStatus(api, loser.cart.id, seeded())).status).toBe("paid")
      const { data: open } = await api.get("/admin/payment-gateways/paid-without-order", admin)
      expect(open.payments.map((p: any) => p.id)).not.toContain(record.id)
    })

    it("two carts pay for the last unit at the same moment: one order, one alert, never silence", async () => {
      const variantId = await seedStockedVariant(getContainer(), seeded(), 1)
      const carts = [await checkout(ROMB, { variantId, email: "a@example.com" }), await checkout(ROMB, { variantId, email: "b@example.com" })]
      await Promise.all(carts.map((c) => rombSandbox.pay(c.session.data.redirect_url)))
      // every verified payment settles as an order or a paid-without-order alert
      const outcomes = await waitFor(async () => {
        const settled = await Promise.all(
          carts.map(async (c) => {
            const [event] = await events(c.session.id)
            if (!event || ["received", "processing", "failed"].includes(event.state)) return undefined
            const orders = await ordersForCart(getContainer(), c.cart.id)
            const [record] = await inbox().listPaidWithoutOrders({ session_id: c.session.id })
            return orders.length ? "order" : record ? "alert" : "nothing"
          })
        )
        return settled.every(Boolean) ? settled : undefined
      })
      expect([...outcomes].sort()).toEqual(["alert", "order"])
    })

    it("a cart paid without a shipping method: alert at once; RubitPay refunds it through its API", async () => {
      await rubitPaySandbox.features({ refunds: true })
      const { cart, session } = await checkout(SINGLE, { shipping: false })
      const started = Date.now()
      await rubitPaySandbox.click(session.data.redirect_url, "pay")
      const record = await paidWithoutOrder(session.id)
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(record.reason).toBe("No shipping method selected but the cart contains items that require shipping.")
      expect((await feedAbout(cart.id)).data.description).toContain(`but the order could not be placed: No shipping method selected but the cart contains items that require shipping. The customer has paid`)
      expect((await paymentStatus(api, cart.id, seeded())).status).toBe("paid_no_order")

      const { data: listed } = await api.get("/admin/payment-gateways/paid-without-order", admin)
      expect(listed.payments.find((p: any) => p.id === record.id).actions).toEqual(["place_order", "refund", "record_refund"])
      const refunded = await api.post(`/admin/payment-gateways/paid-without-order/${record.id}`, { action: "refund" }, admin)
      expect(refunded.data.payment).toEqual(expect.objectContaining({ state: "resolved", resolution: "refunded" }))
      const invoice = await rubitPaySandbox.invoice(session.id)
      expect(invoice.refunds).toEqual([{ shop_refund_id: expect.stringMatching(/^ref/), amount: session.data.gateway_amount }])
      const again = await api.post(`/admin/payment-gateways/paid-without-order/${record.id}`, { action: "refund" }, admin).catch((e) => e.response)
      expect(again.status).toBe(400)
      expect(again.data.message).toMatch(/resolved already/)
    })

    it("a RubitPay hold for a cart without shipping: released from the admin (invoice/unhold)", async () => {
      const { cart, session } = await checkout(HOLD, { shipping: false })
      await rubitPaySandbox.click(session.data.redirect_url, "hold")
      const record = await paidWithoutOrder(session.id)
      expect((await feedAbout(cart.id)).data.title).toBe("Paid, but the order could not be placed")
      const { data: listed } = await api.get("/admin/payment-gateways/paid-without-order", admin)
      expect(listed.payments.find((p: any) => p.id === record.id).actions).toContain("release_hold")
      const released = await api.post(`/admin/payment-gateways/paid-without-order/${record.id}`, { action: "release_hold" }, admin)
      expect(released.data.payment.resolution).toBe("hold_released")
      expect(await gatewayCalls("/rubitpay/invoice/unhold")).toHaveLength(1)
      expect((await rubitPaySandbox.invoice(session.id)).status).toBe("fail")
    })

    it("Romb (no refund API): the operator records the refund made in Romb's dashboard", async () => {
      const { cart, session } = await checkout(ROMB, { shipping: false })
      await rombSandbox.pay(session.data.redirect_url)
      const record = await paidWithoutOrder(session.id)
      const refused = await api.post(`/admin/payment-gateways/paid-without-order/${record.id}`, { action: "refund" }, admin).catch((e) => e.response)
      expect(refused.status).toBe(400)
      expect(refused.data.message).toMatch(/Romb has no refund API/)
      const recorded = await api.post(
        `/admin/payment-gateways/paid-without-order/${record.id}`,
        { action: "record_refund", note: "Refunded in the Romb dashboard, ticket 7" },
        admin
      )
      expect(recorded.data.payment.resolution).toBe("refund_recorded")
      const payment = await paymentOfSession(session.id)
      expect(payment.refunds.map((r: any) => String(r.amount))).toEqual([String(Number(session.data.gateway_amount))])
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
    })

    it("an event that uses up its retries is an alert, never silence; its payment is paid, no order", async () => {
      const { cart, session } = await startPayment(ROMB)
      // a PAID whose processing keeps failing (its confirmation does not verify, so Medusa never authorizes it)
      const paid = buildGatewayEvent("not-romb's-key", {
        action: "captured",
        session_id: session.id,
        amount: session.data.gateway_amount,
        event_key: "tx-exhausted:PAID",
        gateway_status: "PAID",
        gateway_reference: "tx-exhausted",
      })
      const [stored] = await inbox().createGatewayEvents([
        {
          provider_id: ROMB,
          event_key: paid.data.event_key,
          session_id: session.id,
          action: "captured",
          gateway_status: "PAID",
          amount: session.data.gateway_amount,
          state: "failed",
          attempts: 9,
          confirmation: paid.data.confirmation,
        },
      ])
      await runGatewayEvent(getContainer(), stored.id)
      const [event] = await inbox().listGatewayEvents({ id: stored.id })
      expect(event.state).toBe("flagged")
      expect(event.attempts).toBe(10)
      const record = await paidWithoutOrder(session.id)
      expect(record.reason).toMatch(/^processing failed 10 times and was stopped \(last error: .*Payment/)
      expect(event.flag_reason).toBe(
        `Romb confirmed ${session.data.gateway_amount} RUB for cart ${cart.id} (buyer@example.com), but the order could not be placed: ${record.reason}. The customer has paid and was told the shop will contact them: place the order once that is fixed, or give the money back, under Settings → Payment gateways → Paid, no order`
      )
      expect((await feedAbout(cart.id)).data.title).toBe("Paid, but the order could not be placed")
      expect(await getContainer().resolve(GATEWAY_INBOX_MODULE).dueGatewayEvents(50)).not.toContain(stored.id)
    })

    it("refunds race-free: a normal refund and a record of one made at the gateway, 8 rounds at once, each keep their own intent", async () => {
      await rubitPaySandbox.features({ refunds: true })
      const { cart, session } = await startPayment(SINGLE)
      await rubitPaySandbox.click(session.data.redirect_url, "pay")
      await placedOrder(cart.id)
      const payment = await waitFor(async () => {
        const p = await paymentOfSession(session.id)
        return p?.captured_at ? p : undefined
      })
      for (let round = 1; round <= 8; round++) {
        const [normal, record] = await Promise.all([
          api.post(`/admin/payments/${payment.id}/refund`, { amount: 10 }, admin).catch((e) => e.response),
          api
            .post(`/admin/payment-gateways/payments/${payment.id}/refund-made-at-gateway`, { amount: 10, note: `round ${round}` }, admin)
            .catch((e) => e.response),
        ])
        expect([normal.status, record.status]).toEqual([200, 200])
        // RubitPay was called for the normal refund, once per round, and never for the record
        expect((await rubitPaySandbox.invoice(session.id)).refunds).toHaveLength(round)
      }
      const { data } = await query().graph({ entity: "payment", fields: ["data", "refunds.id", "refunds.amount"], filters: { id: payment.id } })
      const stored = data[0] as any
      expect(stored.refunds).toHaveLength(16)
      const madeAtGateway = stored.data.refunds.filter((r: any) => r.made_at_gateway)
      expect(madeAtGateway).toHaveLength(8)
      // each record is tied to its own Medusa refund
      const refundIds = stored.refunds.map((r: any) => r.id)
      expect(new Set(madeAtGateway.map((r: any) => r.shop_refund_id)).size).toBe(8)
      for (const entry of madeAtGateway) expect(refundIds).toContain(entry.shop_refund_id)

      // records Medusa refuses answer an error, never 200 {}: two records of what is left, at once
      const left = (await api.get(`/admin/payment-gateways/orders/${(await ordersForCart(getContainer(), cart.id))[0].order_id}`, admin)).data.payments[0]
        .refundable as string
      const both = await Promise.all(
        [1, 2].map(() =>
          api
            .post(`/admin/payment-gateways/payments/${payment.id}/refund-made-at-gateway`, { amount: Number(left) }, admin)
            .catch((e) => e.response)
        )
      )
      expect(both.map((r) => r.status).sort()).toEqual([200, 400])
      expect(both.find((r) => r.status === 400).data.message).toMatch(/cannot be recorded|refund more than/)
    })

    it("a cart paid at the gateway whose notification has not come: changes and another payment get a 400, the collection keeps the paid amount", async () => {
      await axios.post(`${process.env.SANDBOX_URL}/__control/romb/merchant`, { callbackUrl: null }) // the webhook is lost
      const { cart, session } = await startPayment(ROMB)
      const before = await collection(cart.id)
      await rombSandbox.pay(session.data.redirect_url)

      const more = await api
        .post(`/store/carts/${cart.id}/line-items`, { variant_id: seeded().variantId, quantity: 1 }, store())
        .catch((e) => e.response)
      expect(more.status).toBe(400)
      expect(more.data.message).toMatch(/^This cart is paid \(pp_romb_romb: .*\); it cannot change any more\. Complete it with POST \/store\/carts\/.+\/complete/)
      const switched = await api
        .post(`/store/payment-collections/${session.payment_collection_id}/payment-sessions`, { provider_id: SINGLE }, store())
        .catch((e) => e.response)
      expect(switched.status).toBe(400)
      expect(switched.data.message).toMatch(/^This cart is paid/)
      const after = await collection(cart.id)
      expect(after.items).toHaveLength(1)
      expect(String(after.payment_collection.amount)).toBe(String(before.payment_collection.amount))
      expect(after.payment_collection.payment_sessions.map((s: any) => s.id)).toEqual([session.id])
    })

    it("RubitPay (status call): a paid cart whose webhook is lost refuses changes with a 400 and still becomes its order", async () => {
      await rubitPaySandbox.setCallbackUrl("sandbox-rubitpay-shop", null)
      await rubitPaySandbox.features({ check: true })
      const { cart, session } = await startPayment(SINGLE)
      const before = await collection(cart.id)
      await rubitPaySandbox.click(session.data.redirect_url, "pay")
      const more = await api
        .post(`/store/carts/${cart.id}/line-items`, { variant_id: seeded().variantId, quantity: 1 }, store())
        .catch((e) => e.response)
      expect(more.status).toBe(400)
      expect(more.data.message).toMatch(/^This cart is paid \(pp_rubitpay_rubitpay, status success\)/)
      expect(String((await collection(cart.id)).payment_collection.amount)).toBe(String(before.payment_collection.amount))
      await placedOrder(cart.id)
    })

    it("a paid cart is not moved to another customer account (POST /store/carts/:id/customer)", async () => {
      const { cart, session } = await startPayment(ROMB)
      await axios.post(`${process.env.SANDBOX_URL}/__control/romb/merchant`, { callbackUrl: null })
      const stored = buildGatewayEvent("sandbox-romb-private", {
        action: "captured",
        session_id: session.id,
        amount: session.data.gateway_amount,
        event_key: "tx-transfer:PAID",
        gateway_status: "PAID",
        gateway_reference: "tx-transfer",
      })
      // stored, not yet processed: the cart is frozen
      await inbox().createGatewayEvents([
        {
          provider_id: ROMB,
          event_key: stored.data.event_key,
          session_id: session.id,
          action: "captured",
          gateway_status: "PAID",
          amount: session.data.gateway_amount,
          state: "received",
          confirmation: stored.data.confirmation,
        },
      ])
      const email = `other-${Date.now()}@example.com`
      const { data: registered } = await api.post("/auth/customer/emailpass/register", { email, password: "secret-123" })
      await api.post("/store/customers", { email }, { headers: { ...store().headers, authorization: `Bearer ${registered.token}` } })
      const { data: login } = await api.post("/auth/customer/emailpass", { email, password: "secret-123" })
      const moved = await api
        .post(`/store/carts/${cart.id}/customer`, {}, { headers: { ...store().headers, authorization: `Bearer ${login.token}` } })
        .catch((e) => e.response)
      expect(moved.status).toBe(400)
      expect(moved.data.message).toMatch(/^This cart is paid/)
      const after = await collection(cart.id)
      expect(after.email).toBe("buyer@example.com")
      expect(after.customer_id).not.toBe(login.customer_id ?? "x")
    })

    it("exchanger: errorPayout set by the shopper on an unpaid order is not money; after inProgressPayout it is", async () => {
      const { cart, session } = await startPayment(OBMIN, { from_values: { card: "4111111111111111" } })
      const walk = async (status: string) =>
        (await axios.post(`${session.data.redirect_url}/${status}`, null, { headers: { Accept: "application/json" } })).data
      const attack = await walk("errorPayout")
      expect(attack.ipn).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      const flagged = await waitFor(async () => (await events(session.id)).find((e: any) => e.gateway_status === "errorPayout" && e.state === "flagged"))
      expect(flagged.flag_reason).toBe(
        "the gateway reported errorPayout, but never inProgressPayout (payment accepted) for this payment: it is not taken as paid and the cart stays open; check the order at the gateway"
      )
      expect((await paymentStatus(api, cart.id, seeded())).status).toBe("pending")
      const complete = await completeCart(api, cart.id, seeded())
      expect(complete.body.type).toBe("cart")
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      expect((await feedAbout(session.id)).data.description).toContain("never inProgressPayout")
    })

    it("exchanger: errorPayout after inProgressPayout is money (flagged for the payout); a late inProgress after done moves nothing back", async () => {
      const { cart, session } = await startPayment(OBMIN, { from_values: { card: "4111111111111111" } })
      const walk = async (status: string) =>
        (await axios.post(`${session.data.redirect_url}/${status}`, null, { headers: { Accept: "application/json" } })).data
      await walk("inProgressPayout")
      await placedOrder(cart.id)
      await walk("done")
      const confirmationOf = async () => {
        const [s] = await getContainer().resolve(Modules.PAYMENT).listPaymentSessions({ id: session.id }, { select: ["id", "data"] })
        return s.data as any
      }
      await waitFor(async () => ((await confirmationOf()).gateway_confirmation?.gateway_status === "done" ? true : undefined))
      // a late inProgress (reordered by the network), verified
      const late = buildGatewayEvent("sandbox-obmin-master-secret", {
        action: "pending",
        session_id: session.id,
        amount: session.data.gateway_amount,
        event_key: `late-${session.id}:inProgress`,
        gateway_status: "inProgress",
        gateway_reference: session.data.gateway_reference,
      })
      const { event_id } = await recordVerifiedGatewayEvent(getContainer(), OBMIN, late)
      await runGatewayEvent(getContainer(), event_id!)
      await waitFor(async () => {
        const [event] = await inbox().listGatewayEvents({ id: event_id })
        return ["received", "processing"].includes(event.state) ? undefined : event
      })
      const data = await confirmationOf()
      expect(data.gateway_confirmation.gateway_status).toBe("done")
      expect(data.gateway_confirmation.action).toBe("captured")
      expect(data.gateway_status).toBe("done")
    })
  },
})
