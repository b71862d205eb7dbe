import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { adminHeaders } from "../helpers/admin"
import { redirectSuite } from "../helpers/redirect-suite"
import { rombSandbox } from "../helpers/romb-sandbox"
import { rubitPaySandbox } from "../helpers/rubitpay-sandbox"
import { paidOrder, waitFor } from "../helpers/storefront"

jest.setTimeout(180_000)

const ROMB = "pp_romb_romb"
const HOLD = "pp_rubitpay_hold"
const HOLD_SHOP = { shopId: "sandbox-rubitpay-hold-shop", hook: "/hooks/payment-gateways/rubitpay_hold" }

/**
 * Payment links: an order edit leaves an amount due on a new payment
 * collection (Medusa's "Copy payment link"); the customer pays it through a
 * gateway and the link's page polls the collection's status route.
 */
redirectSuite({
  paymentProviderIds: [ROMB, HOLD],
  testSuite: ({ api, getContainer, seeded, store, startPayment }) => {
    let admin: { headers: Record<string, string> }

    beforeAll(async () => {
      admin = await adminHeaders(getContainer(), api)
    })

    beforeEach(async () => {
      await rombSandbox.reset()
      await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}/hooks/payment-gateways/romb_romb`)
      await rubitPaySandbox.setCallbackUrl(HOLD_SHOP.shopId, `${api.defaults.baseURL}${HOLD_SHOP.hook}`)
    })

    /** An order placed and paid with Romb at checkout. */
    async function paidCheckoutOrder() {
      const { cart, session } = await startPayment(ROMB)
      await rombSandbox.pay(session.data.redirect_url)
      return { orderId: await paidOrder(api, cart.id), cartId: cart.id }
    }

    /** The admin's order edit: `quantity` more of the seeded item, requested and confirmed. */
    async function editAddingItems(orderId: string, quantity = 1) {
      await api.post("/admin/order-edits", { order_id: orderId }, admin)
      await api.post(`/admin/order-edits/${orderId}/items`, { items: [{ variant_id: seeded().variantId, quantity }] }, admin)
      await api.post(`/admin/order-edits/${orderId}/request`, {}, admin)
      await api.post(`/admin/order-edits/${orderId}/confirm`, {}, admin)
    }

    async function orderCollections(orderId: string) {
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "order",
        fields: [
          "display_id",
          "payment_collections.id",
          "payment_collections.status",
          "payment_collections.amount",
          "payment_collections.payments.id",
          "payment_collections.payments.amount",
          "payment_collections.payments.captured_at",
          "payment_collections.payments.captures.id",
        ],
        filters: { id: orderId },
      })
      return data[0] as any
    }

    /** The collection the edit left unpaid. */
    async function dueCollection(orderId: string) {
      const order = await orderCollections(orderId)
      const due = order.payment_collections.filter((c: any) => c.status === "not_paid")
      expect(due).toHaveLength(1)
      return { order, collection: due[0] }
    }

    /** The order's payment status as the admin's order page shows it (a computed field). */
    const paymentStatusOf = async (orderId: string) =>
      (await api.get(`/admin/orders/${orderId}?fields=payment_status`, admin)).data.order.payment_status

    const status = async (collectionId: string) =>
      (await api.get(`/store/payment-collections/${collectionId}/payment-status`, store())).data

    async function startSession(collectionId: string, providerId: string, data: Record<string, unknown> = {}) {
      const { data: body } = await api.post(
        `/store/payment-collections/${collectionId}/payment-sessions`,
        { provider_id: providerId, data },
        store()
      )
      return body.payment_collection.payment_sessions.find((s: any) => s.provider_id === providerId)
    }

    const ordersOfCustomer = async () => {
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({ entity: "order", fields: ["id"], filters: { email: "buyer@example.com" } })
      return data.length
    }

    it("Romb: the link's collection is paid once, completed, the order paid in full, and no new order", async () => {
      const { orderId } = await paidCheckoutOrder()
      await editAddingItems(orderId)
      const { order, collection } = await dueCollection(orderId)
      expect(Number(collection.amount)).toBe(1490.5)
      const orders = await ordersOfCustomer()

      const before = await status(collection.id)
      expect(before).toEqual({
        status: "pending",
        message: "No payment has been started for this amount.",
        payment_collection_id: collection.id,
        amount: 1490.5,
        currency_code: "rub",
        display_id: order.display_id,
      })

      const session = await startSession(collection.id, ROMB)
      expect(session.data.gateway_amount).toBe("1490.50")
      expect((await status(collection.id)).status).toBe("pending")
      await rombSandbox.pay(session.data.redirect_url)

      const paid = await waitFor(async () => {
        const answer = await status(collection.id)
        return answer.status === "paid" ? answer : undefined
      })
      expect(paid).toEqual(
        expect.objectContaining({ status: "paid", amount: 1490.5, display_id: order.display_id, provider_id: ROMB, message: expect.stringMatching(/confirmed the payment for order #\d+\./) })
      )
      // the answer is about the collection only: never the customer
      expect(JSON.stringify(paid)).not.toMatch(/buyer@example.com|Petrov|Nevsky|\+7999/)

      const after = await waitFor(async () => {
        const found = await orderCollections(orderId)
        const linked = found.payment_collections.find((c: any) => c.id === collection.id)
        return linked.status === "completed" ? { found, linked } : undefined
      })
      expect(after.linked.payments).toHaveLength(1)
      expect(after.linked.payments[0].captures).toHaveLength(1)
      expect(await paymentStatusOf(orderId)).toBe("captured")
      expect(await ordersOfCustomer()).toBe(orders)

      // the gateway's confirmation again (a retry): nothing is captured twice
      await rombSandbox.pay(session.data.redirect_url).catch(() => undefined)
      const again = await orderCollections(orderId)
      expect(again.payment_collections.find((c: any) => c.id === collection.id).payments[0].captures).toHaveLength(1)
      // a link for a collection already paid says so
      expect((await status(collection.id)).status).toBe("paid")
    })

    it("answers 404 for a collection id that does not exist, and requires the publishable key", async () => {
      const missing = await api.get("/store/payment-collections/pay_col_01MISSING/payment-status", { ...store(), validateStatus: () => true })
      expect(missing.status).toBe(404)
      const keyless = await api.get("/store/payment-collections/pay_col_01MISSING/payment-status", { validateStatus: () => true })
      expect(keyless.status).toBe(400)
    })

    it("RubitPay two-step: the hold authorizes the link's collection, the admin captures it", async () => {
      const { orderId } = await paidCheckoutOrder()
      await editAddingItems(orderId)
      const { collection } = await dueCollection(orderId)

      // the plugin writes the ids its return URL templates use over the storefront's: an order_id RubitPay's
      // schema would refuse (over 64 characters) never reaches it
      const session = await startSession(collection.id, HOLD, { payway: "bank_card", order_id: `order_${"x".repeat(64)}` })
      expect((await rubitPaySandbox.invoice(session.id)).method).toBe("hold")
      await rubitPaySandbox.click(session.data.redirect_url, "hold")

      const paid = await waitFor(async () => {
        const answer = await status(collection.id)
        return answer.status === "paid" ? answer : undefined
      })
      expect(paid.provider_id).toBe(HOLD)
      const held = (await orderCollections(orderId)).payment_collections.find((c: any) => c.id === collection.id)
      expect(held.status).toBe("authorized")
      expect(held.payments).toHaveLength(1)
      expect(held.payments[0].captured_at).toBeFalsy()

      await api.post(`/admin/payments/${held.payments[0].id}/capture`, {}, admin)
      expect((await rubitPaySandbox.invoice(session.id)).status).toBe("success")
      const captured = await orderCollections(orderId)
      const linked = captured.payment_collections.find((c: any) => c.id === collection.id)
      expect(linked.payments[0].captured_at).toBeTruthy()
      expect(linked.payments[0].captures).toHaveLength(1)
      expect(await paymentStatusOf(orderId)).toBe("captured")
    })

    it("a second edit: the customer pays the new amount; money for the old session is flagged, never captured", async () => {
      const { orderId } = await paidCheckoutOrder()
      await editAddingItems(orderId)
      const { collection } = await dueCollection(orderId)
      // RubitPay keeps an invoice payable after Medusa drops its session
      const old = await startSession(collection.id, HOLD, { payway: "bank_card" })
      expect(old.data.gateway_amount).toBe("1490.50")

      await editAddingItems(orderId)
      const { collection: updated } = await dueCollection(orderId)
      expect(updated.id).toBe(collection.id)
      expect(Number(updated.amount)).toBe(2981)
      expect((await status(collection.id)).amount).toBe(2981)

      // the link's page starts a new session: the new amount, the old session dropped
      const current = await startSession(collection.id, ROMB)
      expect(current.id).not.toBe(old.id)
      expect(current.data.gateway_amount).toBe("2981.00")

      // the customer pays the old gateway page anyway (a second tab): recorded and flagged, not taken
      await rubitPaySandbox.click(old.data.redirect_url, "hold")
      const inbox = getContainer().resolve(GATEWAY_INBOX_MODULE)
      const [event] = await waitFor(async () => {
        const events = await inbox.listGatewayEvents({ session_id: old.id })
        return events.length ? events : undefined
      })
      expect(event).toEqual(
        expect.objectContaining({
          state: "flagged",
          action: "authorized",
          flag_reason: expect.stringContaining(`which payment collection ${collection.id} no longer has: the customer paid a payment link's earlier attempt`),
        })
      )
      expect((await status(collection.id)).status).toBe("pending")
      expect((await orderCollections(orderId)).payment_collections.find((c: any) => c.id === collection.id).payments).toHaveLength(0)

      await rombSandbox.pay(current.data.redirect_url)
      const paid = await waitFor(async () => {
        const linked = (await orderCollections(orderId)).payment_collections.find((c: any) => c.id === collection.id)
        return linked.status === "completed" ? linked : undefined
      })
      expect(paid.payments).toHaveLength(1)
      expect(Number(paid.payments[0].amount)).toBe(2981)
      expect(paid.payments[0].captures).toHaveLength(1)
    })
  },
})
