import { MedusaError } from "@medusajs/framework/utils"
import { RombProviderService } from "../romb/service"
import {
  answerFault,
  COMMON_FAULTS,
  expectGatewayFault,
  gatewayFaultTests,
  initiateInput,
  MatrixEntry,
  Outcome,
  requestsOf,
  SESSION_ID,
} from "./gateway-fault-server"

/**
 * Romb (issue 11): every call the provider makes to Romb — order/create and
 * order/cancel — reached through the provider methods Medusa calls, against
 * every fault. order/create is never retried (Romb documents no idempotency
 * for a repeated orderNumber); when its outcome is unknown the provider
 * cancels the order Romb may have created. order/cancel is retried.
 */

const CANCEL_PATH = `/romb/pay/order/cancel/${SESSION_ID}`
const SECRETS = {
  uid: "romb-uid-S3CRET-a1b2c3",
  publicKey: "romb-pub-S3CRET-d4e5f6",
  privateKey: "romb-priv-S3CRET-g7h8i9",
  webhookSecret: "romb-hook-S3CRET-j0k1l2",
}

const rombTests = gatewayFaultTests({
  title: "Romb",
  identify: (_method, path) =>
    path === "/romb/api/pay/order/create" ? "order/create" : path.startsWith("/romb/pay/order/cancel/") ? "order/cancel" : undefined,
  answers: () => ({
    "order/create": () => ({
      body: { status: "success", data: { orderId: "123456789", formUrl: "https://romb.mx/pay/order/0198212c4-140423" } },
    }),
    "order/cancel": () => ({ body: { status: "success", message: "Payment cancelled successfully" } }),
  }),
  provider: (server, timeoutMs) => new RombProviderService({}, { ...SECRETS, baseUrl: `${server.url}/romb`, timeoutMs }),
  // in Romb's own error shape
  refusals: [
    answerFault("HTTP 401 in Romb's error shape", "misconfigured", 401, { status: "error", message: "Unauthenticated" }),
    answerFault("HTTP 403 in Romb's error shape", "misconfigured", 403, {
      status: "error",
      error: { code: "forbidden", message: "Access denied" },
    }),
    {
      // a gateway that quotes what it was sent: the message must still carry no credential
      name: "HTTP 401 quoting the credentials sent",
      kind: "misconfigured",
      transport: false,
      act: (res, request) => {
        const quoted = `Invalid key pair ${request.headers["x-public-key"]}:${request.headers["x-private-key"]} for merchant ${request.headers["x-uid"]}`
        res.writeHead(401, { "Content-Type": "application/json" })
        res.end(JSON.stringify({ status: "error", message: quoted, error: { code: "unauthorized", message: quoted } }))
      },
    },
  ],
  gateway: /\bRomb\b/,
  secrets: Object.values(SECRETS),
})

const openOrder = () => ({ session_id: SESSION_ID, gateway_reference: "123456789", gateway_status: "WAIT", gateway: "romb" })

const initiate = (p: RombProviderService) => p.initiatePayment(initiateInput())

/** Every cancel attempt named the session's order. */
const sameOrder = (outcome: Outcome) => {
  const cancels = requestsOf(outcome, "order/cancel")
  expect(cancels.map((r) => r.path)).toEqual(cancels.map(() => CANCEL_PATH))
}

const canceled = (outcome: Outcome) => {
  expect(outcome.error).toBeUndefined()
  expect(outcome.value).toEqual({ data: expect.objectContaining({ gateway_status: "CANCELED" }) })
}

const ENTRIES: MatrixEntry<RombProviderService>[] = [
  {
    call: "order/create",
    via: "initiatePayment",
    idempotent: false,
    faults: [...rombTests.faults, answerFault("success without formUrl", "unavailable", 200, { status: "success", data: { orderId: "123456789" } })],
    run: initiate,
    control: (outcome) => {
      expect(outcome.value).toEqual(
        expect.objectContaining({ data: expect.objectContaining({ redirect_url: expect.stringMatching(/^https:\/\/romb\.mx\//) }) })
      )
      expect(outcome.requests.map((r) => r.call)).toEqual(["order/create"])
    },
    extra: (outcome, fault) => {
      const create = outcome.requests.find((r) => r.call === "order/create")!
      if (create.body !== undefined) expect(create.body.orderNumber).toBe(SESSION_ID)
      const cancels = requestsOf(outcome, "order/cancel")
      // the outcome is unknown: the order Romb may have created is canceled, so nobody pays an order Medusa dropped
      expect(cancels.length > 0).toBe(fault.kind === "unavailable")
      sameOrder(outcome)
    },
  },
  {
    call: "order/cancel",
    via: "cancelPayment",
    idempotent: true,
    faults: rombTests.faults,
    run: (p) => p.cancelPayment({ data: openOrder() }),
    control: canceled,
    extra: sameOrder,
  },
  {
    call: "order/cancel",
    via: "deletePayment",
    idempotent: true,
    faults: rombTests.faults,
    run: (p) => p.deletePayment({ data: openOrder() }),
    control: canceled,
    extra: sameOrder,
  },
]

export const rombMatrix = rombTests.matrix(ENTRIES)

/** A timeout, then the retry: where the code retries, one gateway order and success. */
export function describeRombRetries() {
  describe("Romb: a timeout, then the retry", () => {
    it("cancel: the first attempt times out after Romb canceled, the retry confirms: canceled once", async () => {
      const outcome = await rombTests.answerLostOnce("order/cancel", (p) => p.cancelPayment({ data: openOrder() }))
      canceled(outcome)
      expect(outcome.requests.map((r) => r.path)).toEqual([CANCEL_PATH, CANCEL_PATH])
    })

    it("create: a timeout is not retried (a second order could be opened); the order it may have opened is canceled", async () => {
      const outcome = await rombTests.answerLostOnce("order/create", initiate)
      expectGatewayFault(outcome, { kind: "unavailable", gateway: /Romb/, call: /order\/create/, secrets: Object.values(SECRETS) })
      expect(outcome.requests.map((r) => r.call)).toEqual(["order/create", "order/cancel"])
    })

    it("the methods Romb has no API for ask nothing of the gateway and report no success", async () => {
      const down = COMMON_FAULTS[0]
      const outcome = await rombTests.outcome(
        (server) => server.fault("order/create", down).fault("order/cancel", down),
        async (p) => {
          await expect(p.authorizePayment({ data: openOrder() })).rejects.toMatchObject({
            type: MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
          })
          await expect(p.getPaymentStatus({ data: openOrder() })).resolves.toMatchObject({ status: "pending" })
          await expect(p.capturePayment({ data: openOrder() })).rejects.toMatchObject({ type: MedusaError.Types.NOT_ALLOWED })
          await expect(
            p.refundPayment({ data: { ...openOrder(), currency_code: "rub" }, amount: 10, context: { idempotency_key: "ref_1" } as any })
          ).rejects.toMatchObject({ type: MedusaError.Types.NOT_ALLOWED })
        }
      )
      expect(outcome.error).toBeUndefined()
      expect(outcome.requests).toHaveLength(0)
    })
  })
}
