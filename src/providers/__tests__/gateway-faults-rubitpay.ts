import { RubitPayProviderService } from "../rubitpay/service"
import { answerFault, gatewayFaultTests, initiateInput, MatrixEntry, NormalAnswers, Outcome, requestsOf, SESSION_ID } from "./gateway-fault-server"

/**
 * RubitPay (issue 11): every invoice call — try, create, hold, charge,
 * unhold, check, create-refund — reached through the provider methods Medusa
 * calls, against every fault. All of them are sent as safe to repeat: RubitPay
 * answers a repeated shop_order_id with the same invoice, charge/unhold act on
 * the one invoice of a shop_order_id, and a refund is keyed by shop_refund_id.
 * So transport faults are retried, and every retry carries the same keys.
 */

const SECRET_KEY = "rp-key-S3CRET-9988zz"
const SHOP_ID = "rp-shop-4411"
const AMOUNT = "1790.50"

type State = { checkStatus?: string }
type Make = (overrides?: Record<string, unknown>) => RubitPayProviderService

/** A RubitPay that keeps one invoice per shop_order_id and one refund per shop_refund_id, as its doc says. */
function rubitPay(state: State = {}) {
  const invoices = new Map<string, string>()
  const refunds = new Map<string, string>()
  const answers: NormalAnswers = {
    "invoice/try": () => ({ body: { result: true, add_ons_config: {} } }),
    "invoice/create": (r) => openInvoice(r.body),
    "invoice/hold": (r) => openInvoice(r.body),
    "invoice/charge": () => ({ body: { result: true } }),
    "invoice/unhold": () => ({ body: { result: true } }),
    "invoice/check": () => ({
      body: { result: true, status: state.checkStatus ?? "created", invoice_id: "700001", amount: AMOUNT, currency: "RUB" },
    }),
    "invoice/create-refund": (r) => {
      refunds.set(r.body.shop_refund_id, r.body.amount)
      return { body: { result: true, shop_refund_id: r.body.shop_refund_id, amount: r.body.amount } }
    },
  }
  function openInvoice(body: Record<string, string>) {
    if (!invoices.has(body.shop_order_id)) invoices.set(body.shop_order_id, String(700001 + invoices.size))
    return { body: { result: true, redirect_url: `https://pay.rubitpay.example/invoice/${invoices.get(body.shop_order_id)}` } }
  }
  return { answers, invoices, refunds }
}

const SINGLE = { capture: true }
const TWO_STEP = { capture: false }

const initiate = (p: RubitPayProviderService) => p.initiatePayment(initiateInput())

const sessionData = (flow: "single_step" | "two_step", status = "created") => ({
  session_id: SESSION_ID,
  gateway: "rubitpay",
  gateway_flow: flow,
  gateway_amount: AMOUNT,
  currency_code: "rub",
  gateway_status: status,
  gateway_reference: null,
  payway: "bank_card",
  redirect_url: "https://pay.rubitpay.example/invoice/700001",
})

const rubitPayTests = gatewayFaultTests<Make, State>({
  title: "RubitPay",
  identify: (_method, path) => /^\/rubitpay\/(invoice\/[a-z-]+)$/.exec(path)?.[1],
  answers: (state) => rubitPay(state).answers,
  provider: (server, timeoutMs) => (overrides = {}) =>
    new RubitPayProviderService({}, { shopId: SHOP_ID, secretKey: SECRET_KEY, baseUrl: `${server.url}/rubitpay`, timeoutMs, ...overrides }),
  // in RubitPay's own answer shape
  refusals: [
    answerFault("HTTP 401 {result:false}", "misconfigured", 401, { result: false, message: "Unauthorized" }),
    answerFault("HTTP 403 {result:false, invalid_shop}", "misconfigured", 403, { result: false, error_code: "invalid_shop" }),
  ],
  gateway: /\bRubitPay\b/,
  // "invoice/create" is not "invoice/create-refund"
  callPattern: (call) => new RegExp(`${call.replace("/", "\\/")}(?!-)`),
  secrets: [SECRET_KEY],
})

/** A success without the payment page the doc promises. */
const NO_PAGE = answerFault("{result:true} without redirect_url", "unavailable", 200, { result: true })
/** A status answer that says no status. */
const NO_STATUS = answerFault("{result:true} without a status", "unavailable", 200, { result: true })

/** Every attempt at the call carried the same keys (a retry never opens a second invoice or refund). */
const sameKeys =
  (call: string, keys: Record<string, string>) =>
  (outcome: Outcome): void => {
    const attempts = requestsOf(outcome, call).filter((r) => r.body !== undefined)
    for (const attempt of attempts) expect(attempt.body).toEqual(expect.objectContaining({ shop_id: SHOP_ID, ...keys }))
  }

/** A refund of 500.00 keyed by Medusa's idempotency key. */
const refund = (make: Make) =>
  make(SINGLE).refundPayment({
    data: sessionData("single_step", "success"),
    amount: 500,
    context: { idempotency_key: "refund_01JQ8Z" } as any,
  })

const opened = (outcome: Outcome) => {
  expect(outcome.error).toBeUndefined()
  expect(outcome.value).toEqual(
    expect.objectContaining({
      data: expect.objectContaining({ redirect_url: "https://pay.rubitpay.example/invoice/700001", gateway_status: "created" }),
    })
  )
}

const ENTRIES: MatrixEntry<Make, State>[] = [
  {
    call: "invoice/try",
    via: "initiatePayment (single-step)",
    idempotent: true,
    faults: rubitPayTests.faults,
    run: (p) => initiate(p(SINGLE)),
    control: opened,
    extra: (outcome) => {
      sameKeys("invoice/try", { shop_order_id: SESSION_ID, amount: AMOUNT })(outcome)
      expect(requestsOf(outcome, "invoice/create")).toHaveLength(0)
    },
  },
  {
    call: "invoice/try",
    via: "initiatePayment (two-step)",
    idempotent: true,
    faults: rubitPayTests.faults,
    run: (p) => initiate(p(TWO_STEP)),
    control: opened,
    extra: (outcome) => expect(requestsOf(outcome, "invoice/hold")).toHaveLength(0),
  },
  {
    call: "invoice/create",
    via: "initiatePayment (single-step)",
    idempotent: true,
    faults: [...rubitPayTests.faults, NO_PAGE],
    run: (p) => initiate(p(SINGLE)),
    control: opened,
    extra: (outcome) => {
      sameKeys("invoice/create", { shop_order_id: SESSION_ID, amount: AMOUNT, currency: "RUB" })(outcome)
      // invoice/try answered before the fault (a retry of it, were the machine slow, changes nothing)
      expect(requestsOf(outcome, "invoice/try").length).toBeGreaterThanOrEqual(1)
    },
  },
  {
    call: "invoice/hold",
    via: "initiatePayment (two-step)",
    idempotent: true,
    faults: [...rubitPayTests.faults, NO_PAGE],
    run: (p) => initiate(p(TWO_STEP)),
    control: opened,
    extra: (outcome) => {
      sameKeys("invoice/hold", { shop_order_id: SESSION_ID, amount: AMOUNT, currency: "RUB" })(outcome)
      expect(requestsOf(outcome, "invoice/create")).toHaveLength(0)
    },
  },
  {
    call: "invoice/charge",
    via: "capturePayment (two-step)",
    idempotent: true,
    state: { checkStatus: "hold" },
    faults: rubitPayTests.faults,
    run: (p) => p(TWO_STEP).capturePayment({ data: sessionData("two_step", "hold") }),
    control: (outcome) => expect(outcome.value).toEqual({ data: expect.objectContaining({ gateway_status: "success" }) }),
    extra: (outcome) => {
      sameKeys("invoice/charge", { shop_order_id: SESSION_ID })(outcome)
      // the fault stands: no "captured" from anything else
      expect(requestsOf(outcome, "invoice/check")).toHaveLength(0)
    },
  },
  ...(["cancelPayment", "deletePayment"] as const).map(
    (method): MatrixEntry<Make, State> => ({
      call: "invoice/unhold",
      via: `${method} (two-step)`,
      idempotent: true,
      state: { checkStatus: "hold" },
      faults: rubitPayTests.faults,
      run: (p) => p(TWO_STEP)[method]({ data: sessionData("two_step", "hold") }),
      control: (outcome) => expect(outcome.value).toEqual({ data: expect.objectContaining({ gateway_status: "fail" }) }),
      extra: (outcome) => {
        sameKeys("invoice/unhold", { shop_order_id: SESSION_ID })(outcome)
        expect(requestsOf(outcome, "invoice/check")).toHaveLength(0)
      },
    })
  ),
  ...(
    [
      ["authorizePayment", "success", (p: RubitPayProviderService) => p.authorizePayment({ data: sessionData("single_step") })],
      ["getPaymentStatus", "success", (p: RubitPayProviderService) => p.getPaymentStatus({ data: sessionData("single_step") })],
      ["capturePayment (single-step)", "success", (p: RubitPayProviderService) => p.capturePayment({ data: sessionData("single_step") })],
      ["cancelPayment (single-step)", "created", (p: RubitPayProviderService) => p.cancelPayment({ data: sessionData("single_step") })],
      ["deletePayment (single-step)", "created", (p: RubitPayProviderService) => p.deletePayment({ data: sessionData("single_step") })],
    ] as const
  ).map(
    ([via, checkStatus, run]): MatrixEntry<Make, State> => ({
      call: "invoice/check",
      via,
      idempotent: true,
      state: { checkStatus },
      faults: [...rubitPayTests.faults, NO_STATUS],
      run: (p) => run(p(SINGLE)),
      control: (outcome) => {
        expect(outcome.error).toBeUndefined()
        expect(JSON.stringify(outcome.value)).toContain(`"gateway_status":"${checkStatus}"`)
      },
      extra: sameKeys("invoice/check", { shop_order_id: SESSION_ID }),
    })
  ),
  {
    call: "invoice/check",
    via: "reconcileSession",
    idempotent: true,
    state: { checkStatus: "success" },
    faults: [...rubitPayTests.faults, NO_STATUS],
    run: (p) => p(SINGLE).reconcileSession({ id: SESSION_ID, data: sessionData("single_step"), created_at: new Date(Date.now() - 600_000) }),
    control: (outcome) => expect(outcome.value).toMatchObject({ action: "captured", data: { gateway_status: "success" } }),
    extra: sameKeys("invoice/check", { shop_order_id: SESSION_ID }),
    gatewayErrorAllowed: true,
  },
  {
    call: "invoice/create-refund",
    via: "refundPayment",
    idempotent: true,
    faults: rubitPayTests.faults,
    run: refund,
    control: (outcome) =>
      expect(outcome.value).toEqual({ data: expect.objectContaining({ refunds: [{ shop_refund_id: "refund_01JQ8Z", amount: "500.00" }] }) }),
    extra: sameKeys("invoice/create-refund", { shop_order_id: SESSION_ID, shop_refund_id: "refund_01JQ8Z", amount: "500.00" }),
  },
]

export const rubitpayMatrix = rubitPayTests.matrix(ENTRIES)

/** A timeout, then the retry: where the code retries, one gateway order and success. */
export function describeRubitPayRetries() {
  describe("RubitPay: a timeout, then the retry", () => {
    it.each([
      ["single-step", "invoice/create", SINGLE],
      ["two-step", "invoice/hold", TWO_STEP],
    ] as const)("%s: %s is processed but its answer lost; the retry gets the same invoice: one invoice, a payment page", async (_flow, call, flow) => {
      const gateway = rubitPay()
      const outcome = await rubitPayTests.answerLostOnce(call, (make) => initiate(make(flow)), gateway.answers)
      opened(outcome)
      const attempts = requestsOf(outcome, call)
      expect(attempts).toHaveLength(2)
      expect(attempts.map((r) => r.body.shop_order_id)).toEqual([SESSION_ID, SESSION_ID])
      expect(attempts[1].body).toEqual(attempts[0].body)
      expect([...gateway.invoices.keys()]).toEqual([SESSION_ID])
    })

    it("a refund is processed but its answer lost; the retry carries the same shop_refund_id: one refund", async () => {
      const gateway = rubitPay()
      const outcome = await rubitPayTests.answerLostOnce("invoice/create-refund", refund, gateway.answers)
      expect(outcome.error).toBeUndefined()
      expect(requestsOf(outcome, "invoice/create-refund").map((r) => r.body.shop_refund_id)).toEqual([
        "refund_01JQ8Z",
        "refund_01JQ8Z",
      ])
      expect([...gateway.refunds]).toEqual([["refund_01JQ8Z", "500.00"]])
    })

    it("a capture is charged but its answer lost; the retry confirms: captured", async () => {
      const outcome = await rubitPayTests.answerLostOnce(
        "invoice/charge",
        (make) => make(TWO_STEP).capturePayment({ data: sessionData("two_step", "hold") }),
        rubitPay({ checkStatus: "hold" }).answers
      )
      expect(outcome.value).toEqual({ data: expect.objectContaining({ gateway_status: "success" }) })
      expect(outcome.requests.map((r) => r.call)).toEqual(["invoice/charge", "invoice/charge"])
    })
  })
}
