import { ExchangerProviderService } from "../exchanger/service"
import { orderIpnSecret } from "../exchanger/signature"
import {
  answerFault,
  expectGatewayFault,
  gatewayFaultTests,
  MatrixEntry,
  NormalAnswers,
  Outcome,
  requestsOf,
  SESSION_ID,
} from "./gateway-fault-server"

/**
 * BoxExchanger (issue 11): every call — order/create, order/get,
 * order/update-status — reached through the provider methods Medusa calls,
 * against every fault. order/create is never retried: the engine has no
 * idempotency key, so a repeat would be a second order. order/get and
 * order/update-status (setting the same status twice changes nothing) are.
 */

const IPN_SECRET = "exch-ipn-S3CRET-2468"
const ORDER_IPN_SECRET = orderIpnSecret(IPN_SECRET, SESSION_ID)
const ORDER_SECRET = "ordS3CRETdGqwF2M2eBPaSN1G5l"
const CARD = "4111111111111111"
const WALLET = "TXYZabcdefghijkmnopqrstuvwxyz12345"
const UID = "1409"
const AMOUNT = "1790.50"
const SECRETS = [IPN_SECRET, ORDER_IPN_SECRET, ORDER_SECRET]

type State = { status?: string }

/** An exchanger with one order, as the engine's public methods answer about it. */
function exchanger(state: State = {}) {
  const order = { status: state.status ?? "new", created: 0 }
  const answers: NormalAnswers = {
    "order/create": () => {
      order.created++
      return {
        body: { success: true, data: { _id: "5d8e6002b80b7b4cd75a6424", uid: Number(UID), secret: ORDER_SECRET, inAmount: AMOUNT, outAmount: "18.80" } },
      }
    },
    "order/get": (r) =>
      r.query.orderUID === UID && r.query.orderSecret === ORDER_SECRET
        ? { body: { success: true, data: { order: { _id: "5d8e6002b80b7b4cd75a6424", uid: Number(UID), status: order.status, inAmount: AMOUNT } } } }
        : { body: { success: false, error: { message: "Order not found" } } },
    "order/update-status": (r) => {
      order.status = r.body.status
      return { body: { success: true } }
    },
  }
  return { answers, order }
}

const initiate = (p: ExchangerProviderService) =>
  p.initiatePayment({ amount: 1790.5, currency_code: "rub", data: { session_id: SESSION_ID, from_values: { card: CARD } } })

const orderData = (status = "new") => ({
  session_id: SESSION_ID,
  gateway: "exchanger",
  gateway_reference: UID,
  order_secret: ORDER_SECRET,
  gateway_amount: AMOUNT,
  currency_code: "rub",
  gateway_status: status,
  redirect_url: `https://www.obmin.me/uk/payment/${UID}/${ORDER_SECRET}`,
})

const exchangerTests = gatewayFaultTests<ExchangerProviderService, State>({
  title: "Exchanger",
  identify: (_method, path) => /^\/api\/public\/exchanger\/(order\/[a-z-]+)$/.exec(path)?.[1],
  answers: (state) => exchanger(state).answers,
  provider: (server, timeoutMs) =>
    new ExchangerProviderService(
      {},
      {
        preset: "obmin",
        apiUrl: `${server.url}/api`,
        ipnSecret: IPN_SECRET,
        backendUrl: "http://localhost:9000",
        routes: { rub: { routeId: "65a1f0c2e4b0a1b2c3d4e5f6", toValues: [{ key: "wallet", value: WALLET }], customerFromKeys: ["card"] } },
        timeoutMs,
      }
    ),
  // in the engine's own `{ success: false, error }` shape
  refusals: [
    answerFault("HTTP 401 in the engine's error shape", "misconfigured", 401, {
      success: false,
      error: { apiError: true, message: "Unauthorized", errorType: "auth", object: null, errorCode: 401 },
    }),
    {
      // the engine quotes an invalid value in its message ("Param wallet isn't valid: bad"): never a secret
      name: "HTTP 403 quoting what it was sent",
      kind: "misconfigured",
      transport: false,
      act: (res, request) => {
        const sent = { ...request.query, ...(typeof request.body === "object" ? request.body : {}) }
        res.writeHead(403, { "Content-Type": "application/json" })
        res.end(JSON.stringify({ success: false, error: { message: `Forbidden: ${JSON.stringify(sent)}`, errorCode: 403 } }))
      },
    },
  ],
  gateway: /\bExchanger obmin\b/,
  secrets: SECRETS,
})

/** A status answer without the order it is about. */
const NO_ORDER = answerFault("success without the order", "unavailable", 200, { success: true, data: {} })

/** Every order/get attempt asked about the session's order. */
const sameOrderAsked = (outcome: Outcome) => {
  for (const get of requestsOf(outcome, "order/get")) {
    expect(get.query).toEqual({ orderUID: UID, orderSecret: ORDER_SECRET })
  }
}

const ENTRIES: MatrixEntry<ExchangerProviderService, State>[] = [
  {
    call: "order/create",
    via: "initiatePayment",
    idempotent: false,
    faults: [
      ...exchangerTests.faults,
      answerFault("success without the order's secret", "unavailable", 200, { success: true, data: { uid: Number(UID) } }),
      {
        // a refusal, not a fault: the engine quotes the fields it refuses, the message must still carry no secret
        name: "refusal (HTTP 200) quoting the posted ipnSecret",
        kind: "rejected",
        transport: false,
        act: (res, request) => {
          res.writeHead(200, { "Content-Type": "application/json" })
          res.end(
            JSON.stringify({
              success: false,
              error: {
                message: `Param ipnSecret isn't valid: ${request.body["ipnSecret"]}`,
                object: { fieldId: "ipnSecret", nameField: "IPN secret" },
                errorCode: 400,
              },
            })
          )
        },
      },
    ],
    run: initiate,
    control: (outcome) =>
      expect(outcome.value).toEqual(
        expect.objectContaining({ data: expect.objectContaining({ redirect_url: `https://www.obmin.me/uk/payment/${UID}/${ORDER_SECRET}` }) })
      ),
    extra: (outcome) => {
      // no order uid came back: there is nothing to ask or delete, and nothing else is sent
      expect(outcome.requests.map((r) => r.call)).toEqual(["order/create"])
      const create = outcome.requests[0]
      if (create.body !== undefined) expect(create.body).toEqual(expect.objectContaining({ amount: AMOUNT, ipnSecret: ORDER_IPN_SECRET }))
    },
  },
  ...(
    [
      ["authorizePayment", "done", (p: ExchangerProviderService) => p.authorizePayment({ data: orderData() })],
      ["getPaymentStatus", "done", (p: ExchangerProviderService) => p.getPaymentStatus({ data: orderData() })],
      ["capturePayment", "done", (p: ExchangerProviderService) => p.capturePayment({ data: orderData("inProgressPayout") })],
      ["cancelPayment", "new", (p: ExchangerProviderService) => p.cancelPayment({ data: orderData() })],
      ["deletePayment", "new", (p: ExchangerProviderService) => p.deletePayment({ data: orderData() })],
    ] as const
  ).map(
    ([via, status, run]): MatrixEntry<ExchangerProviderService, State> => ({
      call: "order/get",
      via,
      idempotent: true,
      state: { status },
      faults: [...exchangerTests.faults, NO_ORDER],
      run,
      control: (outcome) => {
        expect(outcome.error).toBeUndefined()
        expect(outcome.value).toMatchObject({ data: { gateway_status: status === "new" ? "deleted" : status } })
      },
      extra: (outcome) => {
        sameOrderAsked(outcome)
        // the order's state is unknown: it is not deleted blindly
        expect(requestsOf(outcome, "order/update-status")).toHaveLength(0)
      },
    })
  ),
  {
    call: "order/get",
    via: "reconcileSession",
    idempotent: true,
    state: { status: "done" },
    faults: [...exchangerTests.faults, NO_ORDER],
    run: (p) => p.reconcileSession({ id: SESSION_ID, data: orderData(), created_at: new Date() }, Date.now()),
    control: (outcome) => expect(outcome.value).toMatchObject({ action: "captured", data: { gateway_status: "done" } }),
    extra: (outcome) => {
      sameOrderAsked(outcome)
      expect(requestsOf(outcome, "order/update-status")).toHaveLength(0)
    },
    gatewayErrorAllowed: true,
  },
  ...(["cancelPayment", "deletePayment"] as const).map(
    (method): MatrixEntry<ExchangerProviderService, State> => ({
      call: "order/update-status",
      via: method,
      idempotent: true,
      state: { status: "new" },
      faults: exchangerTests.faults,
      run: (p) => p[method]({ data: orderData() }),
      control: (outcome) => expect(outcome.value).toEqual({ data: expect.objectContaining({ gateway_status: "deleted" }) }),
      extra: (outcome) => {
        expect(requestsOf(outcome, "order/get").length).toBeGreaterThanOrEqual(1)
        for (const update of requestsOf(outcome, "order/update-status").filter((r) => r.body !== undefined)) {
          expect(update.body).toEqual({ orderUID: UID, orderSecret: ORDER_SECRET, status: "deleted" })
        }
      },
    })
  ),
  {
    call: "order/update-status",
    via: "reconcileSession (expired order)",
    idempotent: true,
    state: { status: "waitPayment" },
    faults: exchangerTests.faults,
    run: (p) =>
      p.reconcileSession({ id: SESSION_ID, data: orderData(), created_at: new Date(Date.now() - 2 * 24 * 3600_000) }, Date.now()),
    control: (outcome) => expect(outcome.value).toMatchObject({ action: "canceled", data: { gateway_status: "expired" } }),
    extra: (outcome) => expect(requestsOf(outcome, "order/get").length).toBeGreaterThanOrEqual(1),
    gatewayErrorAllowed: true,
  },
]

export const exchangerMatrix = exchangerTests.matrix(ENTRIES)

/** A timeout, then the retry: where the code retries, one gateway order and success. */
export function describeExchangerRetries() {
  describe("Exchanger: a timeout, then the retry", () => {
    it("order/get times out once, the retry answers: the payment is captured", async () => {
      const outcome = await exchangerTests.answerLostOnce(
        "order/get",
        (p) => p.authorizePayment({ data: orderData() }),
        exchanger({ status: "done" }).answers
      )
      expect(outcome.error).toBeUndefined()
      expect(outcome.value).toMatchObject({ status: "captured" })
      expect(outcome.requests.map((r) => r.call)).toEqual(["order/get", "order/get"])
    })

    it("order/update-status deletes the order but its answer is lost; the retry is answered alike: deleted once", async () => {
      const gateway = exchanger({ status: "new" })
      const outcome = await exchangerTests.answerLostOnce("order/update-status", (p) => p.cancelPayment({ data: orderData() }), gateway.answers)
      expect(outcome.value).toEqual({ data: expect.objectContaining({ gateway_status: "deleted" }) })
      expect(outcome.requests.map((r) => r.call)).toEqual(["order/get", "order/update-status", "order/update-status"])
      expect(gateway.order.status).toBe("deleted")
    })

    it("order/create times out: never repeated (a repeat is a second order); one order at most, no payment page", async () => {
      const gateway = exchanger()
      const outcome = await exchangerTests.answerLostOnce("order/create", initiate, gateway.answers)
      expectGatewayFault(outcome, { kind: "unavailable", gateway: /Exchanger obmin/, call: /order\/create/, secrets: SECRETS })
      expect(outcome.requests.map((r) => r.call)).toEqual(["order/create"])
      expect(gateway.order.created).toBe(1)
    })
  })
}
