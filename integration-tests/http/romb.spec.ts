import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import axios from "axios"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { readRombBody, rombSignature } from "../../src/providers/romb/signature"
import { adminFeed, adminHeaders } from "../helpers/admin"
import { redirectSuite } from "../helpers/redirect-suite"
import { completeCart, createCartReadyForPayment, createPaymentSession, ordersForCart, paymentStatus, waitFor } from "../helpers/storefront"
import { rombSandbox } from "../helpers/romb-sandbox"

jest.setTimeout(180_000)

const PROVIDER = "pp_romb_romb"
const WEBHOOK_PATH = "/hooks/payment-gateways/romb_romb"
const SECRET = "sandbox-romb-private"

redirectSuite({
  paymentProviderIds: [PROVIDER, "pp_system_default"],
  testSuite: ({ api, getContainer, seeded, store, startPayment }) => {
    beforeEach(async () => {
      await rombSandbox.reset()
      await rombSandbox.setCallbackUrl(`${api.defaults.baseURL}${WEBHOOK_PATH}`)
    })

    async function orderWithPayments(orderId: string) {
      const query = getContainer().resolve(ContainerRegistrationKeys.QUERY)
      const { data } = await query.graph({
        entity: "order",
        fields: [
          "id",
          "payment_collections.status",
          "payment_collections.payments.id",
          "payment_collections.payments.captured_at",
          "payment_collections.payments.captures.id",
          "payment_collections.payments.captures.amount",
        ],
        filters: { id: orderId },
      })
      return data[0] as any
    }

    async function inboxEvents(sessionId: string) {
      return getContainer().resolve(GATEWAY_INBOX_MODULE).listGatewayEvents({ session_id: sessionId })
    }

    /** A webhook body as Romb sends it, signed with the given secret. */
    function signedWebhook(fields: Record<string, unknown>, secret = SECRET) {
      const body = JSON.stringify(fields)
      const sign = rombSignature(readRombBody(body, "application/json"), secret)
      return `${body.slice(0, -1)},"sign":"${sign}"}`
    }

    const postWebhook = (body: string, contentType = "application/json") =>
      axios.post(`${api.defaults.baseURL}${WEBHOOK_PATH}`, body, {
        headers: { "Content-Type": contentType },
        validateStatus: () => true,
      })

    it("creates the Romb order with the session id, amount, numeric currency and customer email", async () => {
      const { session } = await startPayment(PROVIDER, { email: "buyer@example.com", phone: "+79991234567" })
      expect(session.data).toEqual(
        expect.objectContaining({
          gateway: "romb",
          gateway_status: "WAIT",
          gateway_amount: expect.stringMatching(/^\d+\.\d{2}$/),
          currency_code: "rub",
          redirect_url: expect.stringContaining("/romb/pay/order/"),
          gateway_reference: expect.any(String),
        })
      )
      const order = await rombSandbox.order(session.id)
      expect(order.request).toEqual(
        expect.objectContaining({
          orderNumber: session.id,
          currency: 643,
          phone: "+79991234567",
          email: "buyer@example.com",
          description: `Order ${session.id}`,
        })
      )
      expect(String(order.request.amount)).toBe(String(Number(session.data.gateway_amount)))
    })

    it("completes a full storefront checkout: pay on Romb, signed webhook, order with the payment captured", async () => {
      const { cart, session } = await startPayment(PROVIDER)

      const early = await completeCart(api, cart.id)
      expect(early.body.type).toBe("cart")
      expect(early.body.error.message).toMatch(/Romb has not confirmed the payment yet/)
      expect((await paymentStatus(api, cart.id)).status).toBe("pending")

      const paid = await rombSandbox.pay(session.data.redirect_url)
      expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))

      const status = await waitFor(async () => {
        const s = await paymentStatus(api, cart.id)
        return s.status === "paid" ? s : undefined
      })
      const order = await orderWithPayments(status.order_id!)
      const payments = order.payment_collections.flatMap((c: any) => c.payments)
      expect(payments).toHaveLength(1)
      expect(payments[0].captured_at).toBeTruthy()
      expect(payments[0].captures).toHaveLength(1)
      expect(order.payment_collections[0].status).toBe("completed")

      const again = await completeCart(api, cart.id)
      expect(again.body.type).toBe("order")
      expect(again.body.order.id).toBe(order.id)
      expect(await inboxEvents(session.id)).toEqual([
        expect.objectContaining({ action: "captured", gateway_status: "PAID", state: "processed" }),
      ])

      // what the admin's order page widget shows
      const admin = await adminHeaders(getContainer(), api)
      const { data: view } = await api.get(`/admin/payment-gateways/orders/${order.id}`, admin)
      expect(view.payments).toEqual([
        expect.objectContaining({
          provider_id: PROVIDER,
          gateway: "romb",
          gateway_reference: session.data.gateway_reference,
          gateway_status: "PAID",
          amount: "1790.50",
          currency_code: "rub",
        }),
      ])
      expect(view.events).toEqual([
        expect.objectContaining({ gateway_status: "PAID", amount: "1790.50", currency_code: "rub", state: "processed", flag_reason: null }),
      ])
      const { data: sync } = await api.post(`/admin/payment-gateways/orders/${order.id}/sync`, {}, admin)
      expect(sync.results).toEqual([
        {
          session_id: session.id,
          provider_id: PROVIDER,
          gateway_status: "PAID",
          recorded: false,
          message: "Romb has no status call: this payment follows its verified notifications.",
        },
      ])
      const unknown = await api.get("/admin/payment-gateways/orders/order_missing", { ...admin, validateStatus: () => true })
      expect(unknown.status).toBe(404)
      const anonymous = await api.get(`/admin/payment-gateways/orders/${order.id}`, { validateStatus: () => true })
      expect(anonymous.status).toBe(401)
    })

    it("Romb repeating its pending word (WAIT) for new attempts changes nothing; the paid word then makes the order", async () => {
      const { cart, session } = await startPayment(PROVIDER)
      const amount = Number(session.data.gateway_amount)
      const settled = (id: string) =>
        waitFor(async () => {
          const event = (await inboxEvents(session.id)).find((e) => e.event_key.startsWith(`${id}:`))
          return event && !["received", "processing"].includes(event.state) ? event : undefined
        })
      const sessionData = async () => (await paymentStatus(api, cart.id)).gateway_status

      const states: string[] = []
      for (const id of ["attempt-1", "attempt-2", "attempt-3"]) {
        const answer = await postWebhook(signedWebhook({ id, order_id: session.id, amount, status: "WAIT" }))
        expect(answer.status).toBe(200)
        states.push((await settled(id)).state)
      }
      // the first is recorded on the session; the others repeat it and are stored as news that changed nothing
      expect(states).toEqual(["processed", "ignored", "ignored"])
      expect(await sessionData()).toBe("WAIT")
      expect((await paymentStatus(api, cart.id)).status).toBe("pending")

      expect((await postWebhook(signedWebhook({ id: "attempt-3", order_id: session.id, amount, status: "PAID" }))).status).toBe(200)
      await waitFor(async () => ((await paymentStatus(api, cart.id)).status === "paid" ? true : undefined))
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
    })

    it("rejects a forged webhook with 401 and creates no order", async () => {
      const { cart, session } = await startPayment(PROVIDER)
      const forged = signedWebhook(
        { id: "tx-forged", order_id: session.id, amount: Number(session.data.gateway_amount), status: "PAID" },
        "not-the-secret"
      )
      const response = await postWebhook(forged)
      expect(response.status).toBe(401)
      expect(response.data.message).toMatch(/signature is missing or invalid/)

      const valid = signedWebhook({ id: "tx-1", order_id: session.id, amount: 1, status: "CANCELED" })
      const tampered = valid.replace('"CANCELED"', '"PAID"')
      expect((await postWebhook(tampered)).status).toBe(401)

      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      expect(await inboxEvents(session.id)).toHaveLength(0)
    })

    it("a storefront cannot fake a paid session through session data", async () => {
      const cart = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
      const response = await createPaymentSession(api, cart.id, PROVIDER, { gateway_status: "PAID" }).catch(
        (e: any) => e.response
      )
      expect(response.status).toBe(400)
      expect(response.data.message).toMatch(/may not set gateway_status/)
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
    })

    it("answers 400 for a malformed webhook and 404 for an unknown provider or session", async () => {
      expect((await postWebhook("{not json")).status).toBe(400)
      // correctly signed, but order_id is not in the form of a Medusa payment session id
      const malformedSession = await postWebhook(
        signedWebhook({ id: "tx-9", order_id: "payses_unknown", amount: 10, status: "PAID" })
      )
      expect(malformedSession.status).toBe(400)
      expect(malformedSession.data.message).toMatch(/order_id: must be a Medusa payment session id/)
      const unknownSession = signedWebhook({ id: "tx-9", order_id: "payses_01AAAAAAAAAAAAAAAAAAAAAAAA", amount: 10, status: "PAID" })
      const notFound = await postWebhook(unknownSession)
      expect(notFound.status).toBe(404)
      expect(notFound.data.message).toMatch(/was not created by pp_romb_romb/)
      const wrongProvider = await axios.post(
        `${api.defaults.baseURL}/hooks/payment-gateways/nope_nope`,
        unknownSession,
        { headers: { "Content-Type": "application/json" }, validateStatus: () => true }
      )
      expect(wrongProvider.status).toBe(404)
    })

    it("rejects a validly signed webhook for a session another provider created", async () => {
      const cart = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
      const other = await createPaymentSession(api, cart.id, "pp_system_default", {})
      const body = signedWebhook({ id: "tx-x", order_id: other.id, amount: 1790.5, status: "PAID" })
      const response = await postWebhook(body)
      expect(response.status).toBe(404)
      expect(response.data.message).toBe(`Payment session ${other.id} was not created by pp_romb_romb.`)
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      expect(await inboxEvents(other.id)).toHaveLength(0)
    })

    it("accepts the webhook as form-urlencoded too, verified the same way", async () => {
      const { cart, session } = await startPayment(PROVIDER)
      const fields = {
        id: "tx-form",
        order_id: session.id,
        amount: session.data.gateway_amount,
        status: "PAID",
        "data[customer_email]": "buyer@example.com",
      }
      const form = new URLSearchParams(fields as Record<string, string>).toString()
      const sign = rombSignature(readRombBody(form, "application/x-www-form-urlencoded"), SECRET)
      const response = await postWebhook(`${form}&sign=${sign}`, "application/x-www-form-urlencoded")
      expect(response.status).toBe(200)
      await waitFor(async () => ((await paymentStatus(api, cart.id)).status === "paid" ? true : undefined))
    })

    it("processes 20 concurrent copies of the webhook into one order and one capture", async () => {
      const { cart, session } = await startPayment(PROVIDER)
      const body = signedWebhook({
        id: "tx-burst",
        order_id: session.id,
        amount: Number(session.data.gateway_amount),
        status: "PAID",
      })
      const responses = await Promise.all(Array.from({ length: 20 }, () => postWebhook(body)))
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200))
      expect(responses.filter((r) => r.data.duplicate).length).toBe(19)

      const status = await waitFor(async () => {
        const s = await paymentStatus(api, cart.id)
        return s.status === "paid" ? s : undefined
      })
      await new Promise((r) => setTimeout(r, 1000))
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
      const order = await orderWithPayments(status.order_id!)
      const payments = order.payment_collections.flatMap((c: any) => c.payments)
      expect(payments).toHaveLength(1)
      expect(payments[0].captures).toHaveLength(1)
      expect(await inboxEvents(session.id)).toHaveLength(1)
    })

    it("creates exactly one order when the webhook races the storefront's /complete", async () => {
      const { cart, session } = await startPayment(PROVIDER)
      const body = signedWebhook({
        id: "tx-race",
        order_id: session.id,
        amount: Number(session.data.gateway_amount),
        status: "PAID",
      })
      await postWebhook(body)
      const completions = await Promise.all([completeCart(api, cart.id), completeCart(api, cart.id)])
      const status = await waitFor(async () => {
        const s = await paymentStatus(api, cart.id)
        return s.status === "paid" ? s : undefined
      })
      for (const completion of completions) {
        if (completion.body.type === "order") {
          expect(completion.body.order.id).toBe(status.order_id)
        }
      }
      await new Promise((r) => setTimeout(r, 1000))
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
      const order = await orderWithPayments(status.order_id!)
      expect(order.payment_collections.flatMap((c: any) => c.payments)).toHaveLength(1)
    })

    it("a paid webhook waits for a completion of the same cart in flight (Medusa's cart lock), then makes one order", async () => {
      const { cart, session } = await startPayment(PROVIDER)
      const locking = getContainer().resolve(Modules.LOCKING)
      const payments = async () =>
        (await getContainer().resolve(ContainerRegistrationKeys.QUERY).graph({ entity: "payment", fields: ["id"], filters: { payment_session_id: session.id } })).data
      // as Medusa's completeCartWorkflow holds it while it completes the cart
      await locking.acquire(cart.id, { ownerId: "completion-in-flight", expire: 60 })
      try {
        const paid = await rombSandbox.pay(session.data.redirect_url)
        expect(paid.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
        await new Promise((resolve) => setTimeout(resolve, 3000))
        // nothing authorized or captured beside the completion in flight
        expect(await payments()).toEqual([])
        expect(await ordersForCart(getContainer(), cart.id)).toEqual([])
      } finally {
        await locking.release(cart.id, { ownerId: "completion-in-flight" })
      }
      const order = await orderWithPayments(
        await waitFor(async () => {
          const s = await paymentStatus(api, cart.id)
          return s.status === "paid" ? s.order_id : undefined
        })
      )
      const captured = order.payment_collections.flatMap((c: any) => c.payments)
      expect(captured).toHaveLength(1)
      expect(captured[0].captures).toHaveLength(1)
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
    })

    it("flags a webhook whose amount differs from the session and captures nothing", async () => {
      const { cart, session } = await startPayment(PROVIDER)
      const body = signedWebhook({ id: "tx-short", order_id: session.id, amount: 1.5, status: "PAID" })
      const response = await postWebhook(body)
      expect(response.status).toBe(200)
      expect(response.data.flagged).toMatch(/amount 1.5 differs from the session's/)
      await new Promise((r) => setTimeout(r, 1500))
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      expect((await completeCart(api, cart.id)).body.type).toBe("cart")
      expect(await inboxEvents(session.id)).toEqual([expect.objectContaining({ state: "flagged" })])
      // the operator learns it from the admin's notification feed
      const admin = await adminHeaders(getContainer(), api)
      expect(await adminFeed(api, admin)).toEqual([
        expect.objectContaining({
          channel: "feed",
          data: {
            title: "A gateway payment needs attention",
            description: expect.stringMatching(
              new RegExp(`^pp_romb_romb, payment session ${session.id}: amount 1\\.5 differs from the session's 1790\\.50 RUB\\.$`)
            ),
          },
        }),
      ])
    })

    it("a CANCELED payment creates no order; the customer can pay again with a new session", async () => {
      const { cart, session } = await startPayment(PROVIDER)
      const declined = await rombSandbox.decline(session.data.redirect_url)
      expect(declined.webhook).toEqual(expect.objectContaining({ delivered: true, httpStatus: 200 }))
      await waitFor(async () => ((await paymentStatus(api, cart.id)).status === "canceled" ? true : undefined))
      // Medusa refuses to complete a cart whose only session is canceled
      const completion = await completeCart(api, cart.id)
      expect(completion.status).toBe(400)
      expect(completion.body.message).toBe("Payment sessions are required to complete cart")
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)

      const retry = await createPaymentSession(api, cart.id, PROVIDER, {})
      await rombSandbox.pay(retry.data.redirect_url)
      const status = await waitFor(async () => {
        const s = await paymentStatus(api, cart.id)
        return s.status === "paid" ? s : undefined
      })
      expect(status.order_id).toBeDefined()
    })

    it("reports Romb's create error clearly and leaves no session", async () => {
      await rombSandbox.failNextCreate({ code: "validation_error", message: "Invalid email format" })
      const cart = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
      const error = await createPaymentSession(api, cart.id, PROVIDER, {}).catch((e: any) => e.response)
      expect(error.status).toBe(400)
      expect(error.data.message).toBe(
        "Romb could not create the payment: Invalid email format (validation_error)."
      )
      const { data } = await api.get(`/store/carts/${cart.id}`, store())
      expect(data.cart.payment_collection?.payment_sessions ?? []).toHaveLength(0)
    })

    it("reports a gateway timeout clearly, cancels the maybe-created order and leaves no session", async () => {
      await rombSandbox.hangNextCreate(8000)
      const cart = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
      const error = await createPaymentSession(api, cart.id, PROVIDER, {}).catch((e: any) => e.response)
      // a gateway that does not answer: 422 gateway_unavailable (src/lib/errors.ts), not a bug's 500
      expect(error.status).toBe(422)
      expect(error.data.code).toBe("gateway_unavailable")
      expect(error.data.message).toMatch(/^Romb POST \/api\/pay\/order\/create did not answer within \d+ ms\.$/)
      const { data } = await api.get(`/store/carts/${cart.id}`, store())
      expect(data.cart.payment_collection?.payment_sessions ?? []).toHaveLength(0)
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      // Romb did create the order before its answer was lost; the provider canceled it
      const orders = await waitFor(async () => {
        const all = await rombSandbox.orders()
        return all.length === 1 && all[0].status === "CANCELED" ? all : undefined
      })
      expect(orders[0].request.orderNumber).toMatch(/^payses_/)
    })
  },
})
