import axios from "axios"
import { MedusaError } from "@medusajs/framework/utils"
import { Sandbox, startSandbox } from "../../../../sandbox"
import { ipnChecksum, orderIpnSecret } from "../signature"
import { ExchangerProviderService } from "../service"

const WALLET = "TXYZabcdefghijkmnopqrstuvwxyz12345"
/** A real-looking Medusa payment session id (the IPN URL carries it). */
const sessionId = (n: number) => `payses_01JQ8Z3K4M5N6P7Q8R9S0T${String(n).padStart(4, "0")}`
const FORM_HEADERS = { "content-type": "application/x-www-form-urlencoded" }

describe("exchanger IPN checksum", () => {
  it("matches the doc's example", () => {
    expect(
      ipnChecksum(
        { orderId: "5d8e6002b80b7b4cd75a6424", newStatus: "inProgress", inAmount: "2", outAmount: "317.42", xml_from: "ETH", xml_to: "WMZ", timestamp: "1571328406072" },
        "SECRET123"
      )
    ).toBe("af3acf947e6f0e0f2c267e300b8582e504dba12d1f2d058652b7414163c09f48")
  })

  it("derives a different per-order secret per session and master secret", () => {
    expect(orderIpnSecret("master", "payses_1")).not.toBe(orderIpnSecret("master", "payses_2"))
    expect(orderIpnSecret("master", "payses_1")).not.toBe(orderIpnSecret("other", "payses_1"))
    expect(orderIpnSecret("master", "payses_1")).not.toContain("master")
  })
})

describe("ExchangerProviderService", () => {
  let sandbox: Sandbox
  const options = (site: "obmin" | "pocketbank", overrides: Record<string, unknown> = {}) => ({
    preset: site,
    siteUrl: `${sandbox.url}/exchanger/${site}`,
    apiUrl: `${sandbox.url}/exchanger/${site}/api`,
    ipnSecret: `${site}-master-secret`,
    backendUrl: "http://localhost:9000",
    routes: {
      rub: { routeId: "65a1f0c2e4b0a1b2c3d4e5f6", toValues: [{ key: "wallet", value: WALLET }], customerFromKeys: ["card"], xmlFrom: "CARDRUB" },
    },
    timeoutMs: 1000,
    ...overrides,
  })
  const provider = (site: "obmin" | "pocketbank" = "obmin", overrides = {}) =>
    new ExchangerProviderService({}, options(site, overrides))
  const initiate = (id: string, data: Record<string, unknown> = {}, p = provider(), currency = "rub") =>
    p.initiatePayment({ amount: 1790.5, currency_code: currency, data: { session_id: id, ...data } })
  const walk = (url: string, status: string) =>
    axios.post(`${url}/${status}`, null, { headers: { Accept: "application/json" } })
  const order = async (site: string, uid: string) =>
    (await axios.get(`${sandbox.url}/__control/exchanger/${site}/orders/${uid}`)).data

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 })
  })
  afterAll(() => sandbox.close())
  beforeEach(() => axios.post(`${sandbox.url}/__control/reset`))

  it("validates options: a preset or both URLs, routes keyed by currency", () => {
    expect(() => ExchangerProviderService.validateOptions({ ipnSecret: "x", routes: {}, backendUrl: "http://a" })).toThrow(
      /`preset`: set "obmin" or "pocketbank", or both siteUrl and apiUrl/
    )
    expect(() =>
      ExchangerProviderService.validateOptions({ preset: "obmin", ipnSecret: "x", backendUrl: "http://a", routes: { RUB: { routeId: "r", toValues: [] } } })
    ).toThrow(/`routes.RUB`: route keys are lowercase ISO currency codes/)
    const p = new ExchangerProviderService({}, { preset: "pocketbank", ipnSecret: "x", backendUrl: "http://a", routes: {} })
    expect((p as any).options_).toEqual(
      expect.objectContaining({ siteUrl: "https://pocketbank.net", lang: "en", ipnUrl: "http://a/hooks/payment-gateways/exchanger_pocketbank" })
    )
  })

  it("creates the order form-encoded with bracket arrays, an IPN URL naming the session and a derived secret", async () => {
    const { data } = await initiate("payses_1", { from_values: { card: "4111111111111111" } })
    expect(data!.redirect_url).toMatch(new RegExp(`^${sandbox.url}/exchanger/obmin/uk/payment/\\d+/[\\w-]+$`))
    const stored = await order("obmin", data!.gateway_reference as string)
    expect(stored.request).toEqual(
      expect.objectContaining({
        routeId: "65a1f0c2e4b0a1b2c3d4e5f6",
        amount: "1790.50",
        hideOutData: "true",
        ipnUrl: "http://localhost:9000/hooks/payment-gateways/exchanger_obmin?session_id=payses_1",
        ipnSecret: orderIpnSecret("obmin-master-secret", "payses_1"),
        toValues: [{ key: "wallet", value: WALLET }],
        fromValues: [{ key: "card", value: "4111111111111111" }],
      })
    )
    expect(JSON.stringify(data)).not.toContain("obmin-master-secret")
    expect(JSON.stringify(data)).not.toContain(orderIpnSecret("obmin-master-secret", "payses_1"))
  })

  it("refuses a currency without a route, and customer values the route does not allow", async () => {
    await expect(initiate("payses_2", {}, provider(), "eur")).rejects.toThrow(/has no exchange route for EUR: add routes.eur/)
    await expect(initiate("payses_2", { from_values: { wallet: "T..." } })).rejects.toThrow(/may only set card.*refused: wallet/)
    await expect(initiate("payses_2", { return_url: "https://evil.example/x" })).rejects.toThrow(
      "Exchanger: return_url host evil.example is not allowed; add it to the provider's allowedReturnHosts option."
    )
  })

  it("sends the shopper back to an allowed return_url, or to the clientCallbackUrl template", async () => {
    const p = provider("obmin", { allowedReturnHosts: ["shop.example"], clientCallbackUrl: "https://shop.example/return/{cart_id}" })
    const own = (await initiate("payses_3a", { return_url: "https://shop.example/thanks" }, p)).data!
    expect((await order("obmin", own.gateway_reference as string)).clientCallbackUrl).toBe("https://shop.example/thanks")
    const templated = (await initiate("payses_3b", { cart_id: "cart_01/x" }, p)).data!
    expect((await order("obmin", templated.gateway_reference as string)).clientCallbackUrl).toBe("https://shop.example/return/cart_01%2Fx")
    const link = provider("obmin", { clientCallbackUrl: "https://shop.example/payment-collection/{payment_collection_id}?order_id={order_id}" })
    const paid = (await initiate("payses_3c", { payment_collection_id: "pay_col_01", order_id: "order_01" }, link)).data!
    expect((await order("obmin", paid.gateway_reference as string)).clientCallbackUrl).toBe(
      "https://shop.example/payment-collection/pay_col_01?order_id=order_01"
    )
  })

  it("turns the engine's error object into a readable message", async () => {
    const p = provider("obmin", { routes: { rub: { routeId: "65a1f0c2e4b0a1b2c3d4e5f6", toValues: [{ key: "wallet", value: "bad" }] } } })
    await expect(initiate("payses_3", {}, p)).rejects.toThrow(
      "The exchanger could not create the order: Param wallet isn't valid: bad (field: USDT TRC20 wallet)."
    )
    await expect(
      provider().initiatePayment({ amount: 10, currency_code: "rub", data: { session_id: "payses_4" } })
    ).rejects.toThrow(/Param amount isn't valid: 10.00 \(min 500, max 500000\) \(field: Amount\)/)
  })

  it("follows order/get: pending while the customer only claims payment, authorized once the exchanger accepts it, captured when done", async () => {
    const p = provider()
    const { data } = await initiate("payses_5", {}, p)
    await expect(p.authorizePayment({ data })).rejects.toThrow(/has not confirmed the payment yet/)
    // inProgress is the customer's claim (the doc lets the client set it after paying): still pending
    await walk(data!.redirect_url as string, "inProgress")
    await expect(p.authorizePayment({ data })).rejects.toThrow(/has not confirmed the payment yet/)
    expect((await p.getPaymentStatus({ data })).status).toBe("pending")
    // inProgressPayout: "payment accepted successfully"
    await walk(data!.redirect_url as string, "inProgressPayout")
    expect((await p.authorizePayment({ data })).status).toBe("authorized")
    await expect(p.capturePayment({ data })).rejects.toThrow(/has not completed order .* yet \(status "inProgressPayout"\)/)
    await walk(data!.redirect_url as string, "done")
    await expect(p.capturePayment({ data })).resolves.toEqual({ data: expect.objectContaining({ gateway_status: "done" }) })
    await expect(p.refundPayment({ data, amount: 1 })).rejects.toThrow(/no refund API/)
  })

  it("errorPayout the customer set on an unpaid order authorizes nothing; after the exchanger accepted the payment it does", async () => {
    const p = provider()
    const { data } = await initiate("payses_5b", {}, p)
    // the engine lets a client move its own unpaid order to errorPayout
    await walk(data!.redirect_url as string, "errorPayout")
    await expect(p.authorizePayment({ data })).rejects.toThrow(/has not confirmed the payment yet/)
    expect((await p.getPaymentStatus({ data })).status).toBe("pending")
    expect(p.paidOnlyAfter("errorPayout")).toEqual(["inProgressPayout"])
    expect(p.paidOnlyAfter("inProgressPayout")).toEqual([])
    // once the plugin recorded the exchanger accepting it (a sealed authorized confirmation), errorPayout is money
    const accepted = (p as any).gatewayEvent({
      action: "authorized",
      session_id: "payses_5b",
      amount: data!.gateway_amount,
      event_key: "o:inProgressPayout",
      gateway_status: "inProgressPayout",
    })
    expect((await p.authorizePayment({ data: { ...data, gateway_confirmation: accepted.data.confirmation } })).status).toBe("authorized")
  })

  it("cancels an unpaid order at the exchanger; a paid one is refused with the reason", async () => {
    const p = provider()
    const unpaid = (await initiate("payses_7", {}, p)).data!
    await walk(unpaid.redirect_url as string, "waitPayment")
    await expect(p.cancelPayment({ data: unpaid })).resolves.toEqual({ data: expect.objectContaining({ gateway_status: "deleted" }) })
    expect((await order("obmin", unpaid.gateway_reference as string)).status).toBe("deleted")
    await expect(p.cancelPayment({ data: unpaid })).resolves.toEqual({ data: expect.objectContaining({ gateway_status: "deleted" }) })

    const paid = (await initiate("payses_8", {}, p)).data!
    await walk(paid.redirect_url as string, "inProgressPayout")
    await expect(p.deletePayment({ data: paid })).rejects.toThrow(
      `Exchanger order ${paid.gateway_reference} is already paid (status "inProgressPayout") and cannot be canceled from Medusa; ask the exchanger to return the money.`
    )
    expect((await order("obmin", paid.gateway_reference as string)).status).toBe("inProgressPayout")

    // the customer says they paid: the order is not deleted from under them, and the exchanger is not even asked to
    const claimed = (await initiate("payses_8b", {}, p)).data!
    await walk(claimed.redirect_url as string, "inProgress")
    const updateStatus = jest.spyOn((p as any).client, "updateOrderStatus")
    for (const cancel of [() => p.cancelPayment({ data: claimed }), () => p.deletePayment({ data: claimed })]) {
      await expect(cancel()).rejects.toMatchObject({
        type: MedusaError.Types.NOT_ALLOWED,
        message: `Exchanger order ${claimed.gateway_reference} is already paid (status "inProgress") and cannot be canceled from Medusa; ask the exchanger to return the money.`,
      })
    }
    await expect(p.cancelPayment({ data: paid })).rejects.toMatchObject({ type: MedusaError.Types.NOT_ALLOWED })
    expect(updateStatus).not.toHaveBeenCalled()
    expect((await order("obmin", claimed.gateway_reference as string)).status).toBe("inProgress")
    expect((await order("obmin", paid.gateway_reference as string)).status).toBe("inProgressPayout")

    // only new and waitPayment are deleted: a fresh order is
    const fresh = (await initiate("payses_8c", {}, p)).data!
    expect((await order("obmin", fresh.gateway_reference as string)).status).toBe("new")
    await expect(p.cancelPayment({ data: fresh })).resolves.toEqual({ data: expect.objectContaining({ gateway_status: "deleted" }) })
    expect(updateStatus).toHaveBeenCalledTimes(1)
    expect(updateStatus).toHaveBeenCalledWith(fresh.gateway_reference, fresh.order_secret, "deleted")
    expect((await order("obmin", fresh.gateway_reference as string)).status).toBe("deleted")
  })

  it("reports the engine's refusal to cancel (the customer paid in the meantime)", async () => {
    const p = provider()
    const { data } = await initiate("payses_9", {}, p)
    const stale = { ...data }
    // order/get still said waitPayment; the engine then refuses the change
    jest.spyOn((p as any).client, "getOrder").mockResolvedValueOnce({ uid: data!.gateway_reference, status: "waitPayment" })
    await walk(data!.redirect_url as string, "inProgress")
    await expect(p.cancelPayment({ data: stale })).rejects.toThrow(
      `The exchanger refused to set order ${data!.gateway_reference} to "deleted": Order status inProgress can't be changed.`
    )
  })

  describe("IPN", () => {
    const session = sessionId(6)
    const ORDER_ID = "65a1f0c2e4b0a1b2c3d4e5f7"
    const orderSecret = orderIpnSecret("obmin-master-secret", session)
    let uid: string
    const ipnFields = (overrides: Record<string, string> = {}) => ({
      orderUID: uid,
      orderId: ORDER_ID,
      newStatus: "inProgressPayout",
      inAmount: "1790.50",
      outAmount: "18.80",
      xml_from: "CARDRUB",
      xml_to: "USDTTRC20",
      timestamp: String(Date.now()),
      ...overrides,
    })
    type Fields = ReturnType<typeof ipnFields>
    /** The IPN as the engine posts it: form-urlencoded, requisites in toValues, the session in the IPN URL. */
    const ipn = (f: Fields, secret = orderSecret, rawQuery: string | null = `session_id=${session}`) => {
      const form = new URLSearchParams({ ...f, "toValues[0][key]": "wallet", "toValues[0][name]": "wallet", "toValues[0][value]": "***", hash: ipnChecksum(f, secret) })
      return { data: {}, rawData: form.toString(), headers: FORM_HEADERS, rawQuery: rawQuery ?? undefined }
    }

    beforeEach(async () => {
      uid = (await initiate(session, {}, provider())).data!.gateway_reference as string
    })

    it("verifies the checksum with the per-order secret; inProgressPayout authorizes, inProgress stays pending", async () => {
      const p = provider()
      const good = await p.verifyWebhook(ipn(ipnFields()))
      expect(good.action).toBe("not_supported")
      expect(good.verified).toEqual(
        expect.objectContaining({
          action: "authorized",
          data: expect.objectContaining({ session_id: session, event_key: `${ORDER_ID}:inProgressPayout`, gateway_status: "inProgressPayout" }),
        })
      )
      // orderUID is not covered by the checksum: the event names no reference (the session keeps the order's own), and it is not stored
      expect(good.verified.data.gateway_reference).toBeUndefined()
      expect((good.verified.data.notification as Record<string, unknown>).orderUID).toBeUndefined()
      expect(good.verified.data.notification).toEqual(
        expect.objectContaining({ orderId: ORDER_ID, newStatus: "inProgressPayout", inAmount: "1790.50", outAmount: "18.80", xml_from: "CARDRUB", xml_to: "USDTTRC20" })
      )
      // the payout requisites are never kept
      expect(JSON.stringify(good.verified.data.notification)).not.toMatch(new RegExp(`toValues|orderUID|"${uid}"`))
      // another order's number in the IPN changes nothing (it still has to look like one)
      const other = await p.verifyWebhook(ipn(ipnFields({ orderUID: "777" })))
      expect(other.verified).toEqual({
        ...good.verified,
        data: {
          ...good.verified.data,
          confirmation: expect.any(Object),
          notification: { ...(good.verified.data.notification as object), timestamp: expect.any(String) },
        },
      })
      await expect(p.verifyWebhook(ipn(ipnFields({ orderUID: "77a" })))).rejects.toMatchObject({ type: "invalid_data" })
      const claim = await p.verifyWebhook(ipn(ipnFields({ newStatus: "inProgress" })))
      expect(claim.verified.action).toBe("pending")
      const unknown = await p.verifyWebhook(ipn(ipnFields({ newStatus: "reviewing" })))
      expect(unknown.verified.action).toBe("unknown")
    })

    it("refuses a wrong checksum, an uppercase copy of it, a stale timestamp and the other registration's IPN", async () => {
      const p = provider()
      await expect(p.verifyWebhook(ipn(ipnFields(), "wrong"))).rejects.toMatchObject({ type: "unauthorized" })
      const upper = ipn(ipnFields())
      upper.rawData = upper.rawData.replace(/hash=([0-9a-f]+)/, (_m, hex: string) => `hash=${hex.toUpperCase()}`)
      await expect(p.verifyWebhook(upper)).rejects.toMatchObject({ type: "unauthorized" })
      await expect(
        p.verifyWebhook(ipn(ipnFields({ timestamp: String(Date.now() - 3600_000) })))
      ).rejects.toThrow(/outside the 900 s window/)
      // the same IPN at the other exchanger's registration: its master secret derives another order secret
      await expect(provider("pocketbank").verifyWebhook(ipn(ipnFields()))).rejects.toMatchObject({ type: "unauthorized" })
      // the session named in the URL is part of the secret
      await expect(p.verifyWebhook(ipn(ipnFields(), orderSecret, `session_id=${sessionId(7)}`))).rejects.toMatchObject({
        type: "unauthorized",
      })
    })

    it("reads only the raw form: no session in the URL, another media type or two checksums are refused", async () => {
      const p = provider()
      await expect(p.verifyWebhook(ipn(ipnFields(), orderSecret, null))).rejects.toMatchObject({ type: "invalid_data" })
      await expect(p.verifyWebhook(ipn(ipnFields(), orderSecret, `session_id=${session}&x=1`))).rejects.toMatchObject({
        type: "invalid_data",
      })
      await expect(p.verifyWebhook({ ...ipn(ipnFields()), headers: {} })).rejects.toMatchObject({ type: "invalid_data" })
      const twice = ipn(ipnFields())
      await expect(
        p.verifyWebhook({ ...twice, headers: { ...FORM_HEADERS, "x-hash": ipnChecksum(ipnFields(), orderSecret) } })
      ).rejects.toMatchObject({ type: "invalid_data" })
      // a checksum in a header alone is accepted
      const f = ipnFields()
      const body = new URLSearchParams(f).toString()
      await expect(
        p.verifyWebhook({ data: {}, rawData: body, headers: { ...FORM_HEADERS, "x-hash": ipnChecksum(f, orderSecret) }, rawQuery: `session_id=${session}` })
      ).resolves.toMatchObject({ verified: { action: "authorized" } })
    })
  })
})
