import axios from "axios"
import { Sandbox, startSandbox } from "../../../../sandbox"
import { RombProviderService } from "../service"

/** The provider against the Romb emulator: real HTTP, Romb's documented answers. */
describe("RombProviderService against the Romb sandbox", () => {
  let sandbox: Sandbox
  const credentials = { uid: "sandbox-romb-uid", publicKey: "sandbox-romb-public", privateKey: "sandbox-romb-private" }
  const provider = (overrides: Record<string, unknown> = {}) =>
    new RombProviderService({}, { ...credentials, baseUrl: `${sandbox.url}/romb`, timeoutMs: 1000, ...overrides })

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 })
  })
  afterAll(() => sandbox.close())
  beforeEach(() => axios.post(`${sandbox.url}/__control/reset`))

  const initiate = (sessionId: string, p = provider()) =>
    p.initiatePayment({ amount: "1490.505", currency_code: "rub", data: { session_id: sessionId } })

  it("creates the order with the amount rounded half-up to kopecks and the numeric currency", async () => {
    const result = await initiate("payses_a", provider({ description: "Order {session_id}: {amount} {currency}" }))
    expect(result.data).toEqual(
      expect.objectContaining({ gateway_amount: "1490.51", gateway_reference: expect.any(String) })
    )
    const order = (await axios.get(`${sandbox.url}/__control/romb/orders/payses_a`)).data
    expect(order.request).toEqual(
      expect.objectContaining({ amount: 1490.51, currency: 643, description: "Order payses_a: 1490.51 RUB" })
    )
  })

  it("tells the merchant to check the credentials when Romb refuses them", async () => {
    await expect(initiate("payses_b", provider({ privateKey: "wrong-private-key" }))).rejects.toMatchObject({
      message: expect.stringMatching(/^Romb refused the API credentials: Invalid API credentials\. Check the provider's uid/),
    })
  })

  it("reports an unexpected answer as the gateway being unavailable (a 422 a storefront tells from a bug)", async () => {
    await axios.post(`${sandbox.url}/__control/romb/next-create`, { httpStatus: 502 })
    await expect(initiate("payses_c")).rejects.toMatchObject({
      type: "payment_authorization_error",
      code: "gateway_unavailable",
      message: "Romb POST /api/pay/order/create failed: the gateway answered HTTP 502.",
    })
  })

  it("cancels a pending order, then refuses honestly when Romb says it is already processed", async () => {
    const { data } = await initiate("payses_d")
    const canceled = await provider().cancelPayment({ data })
    expect(canceled.data?.gateway_status).toBe("CANCELED")
    expect((await axios.get(`${sandbox.url}/__control/romb/orders/payses_d`)).data.status).toBe("CANCELED")
    await expect(provider().cancelPayment({ data })).rejects.toThrow(
      /Romb did not cancel order payses_d: Order not found or already processed/
    )
  })

  it("deletes a session without a Romb order without calling Romb", async () => {
    await expect(provider().deletePayment({ data: { session_id: "payses_none" } })).resolves.toEqual({
      data: { session_id: "payses_none" },
    })
  })
})
