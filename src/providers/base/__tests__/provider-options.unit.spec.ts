import { exchangerOptionsSchema } from "../../exchanger/schemas"
import { rombOptionsSchema } from "../../romb/schemas"
import { rubitPayOptionsSchema } from "../../rubitpay/schemas"
import { parseProviderOptions } from "../provider-options"

const ROMB = { gateway: "Romb", identifier: "romb" }
const RUBITPAY = { gateway: "RubitPay", identifier: "rubitpay" }
const EXCHANGER = { gateway: "Exchanger", identifier: "exchanger" }

/** The message a bad option block stops Medusa with; every value in these blocks contains "very-secret". */
function problem(parse: () => unknown): string {
  try {
    parse()
  } catch (error) {
    const message = (error as Error).message
    expect(message).not.toContain("very-secret")
    return message
  }
  throw new Error("the options were accepted")
}

describe("parseProviderOptions", () => {
  const romb = { uid: "u-1", publicKey: "pub-key", privateKey: "very-secret-private" }
  const rubitPay = { shopId: "very-secret-shop", secretKey: "very-secret-key" }
  const exchanger = {
    preset: "obmin",
    ipnSecret: "very-secret-ipn",
    backendUrl: "https://api.shop.example",
    routes: { rub: { routeId: "r-1", toValues: [{ key: "wallet", value: "very-secret-wallet" }] } },
  }

  it("applies defaults", () => {
    const options = parseProviderOptions(ROMB, rombOptionsSchema, romb)
    expect(options.baseUrl).toBe("https://romb.mx")
    expect(options.timeoutMs).toBe(15000)
  })

  it("names the gateway and every bad option, without echoing values", () => {
    const message = problem(() =>
      parseProviderOptions(ROMB, rombOptionsSchema, { uid: "u-1", privateKey: "", baseUrl: "ftp://very-secret-host", timeoutMs: 5 })
    )
    expect(message).toBe(
      "Romb payment provider options are invalid: `publicKey`: required (the shop's public API key); " +
        "`privateKey`: must not be empty (the shop's private API key); `baseUrl`: must be an http(s) URL; " +
        "`timeoutMs`: must be at least 100 ms"
    )
  })

  it("strips a trailing slash from URLs", () => {
    const options = parseProviderOptions(ROMB, rombOptionsSchema, { ...romb, baseUrl: "http://127.0.0.1:9911/romb/" })
    expect(options.baseUrl).toBe("http://127.0.0.1:9911/romb")
  })

  describe("unknown options", () => {
    it("names a misspelled required option and the one it was meant to be, once", () => {
      const { privateKey, ...rest } = romb
      expect(problem(() => parseProviderOptions(ROMB, rombOptionsSchema, { ...rest, privatekey: privateKey }))).toBe(
        "Romb payment provider options are invalid: unknown option `privatekey`; did you mean `privateKey`?"
      )
    })

    it("refuses a misspelled optional option, which would otherwise fall back to its default", () => {
      expect(problem(() => parseProviderOptions(ROMB, rombOptionsSchema, { ...romb, webhooksecret: "very-secret-hook" }))).toBe(
        "Romb payment provider options are invalid: unknown option `webhooksecret`; did you mean `webhookSecret`?"
      )
      // through RubitPay's transform
      expect(
        problem(() => parseProviderOptions(RUBITPAY, rubitPayOptionsSchema, { ...rubitPay, sucessUrl: "https://very-secret.example" }))
      ).toBe("RubitPay payment provider options are invalid: unknown option `sucessUrl`; did you mean `successUrl`?")
      expect(problem(() => parseProviderOptions(RUBITPAY, rubitPayOptionsSchema, { ...rubitPay, secret_key: "very-secret-2" }))).toBe(
        "RubitPay payment provider options are invalid: unknown option `secret_key`; did you mean `secretKey`?"
      )
    })

    it("suggests nothing when no option is close, and lists every unknown one", () => {
      expect(
        problem(() => parseProviderOptions(ROMB, rombOptionsSchema, { ...romb, apiVersion: "very-secret-3", colour: "very-secret-4" }))
      ).toBe("Romb payment provider options are invalid: unknown option `apiVersion`; unknown option `colour`")
    })

    it("names unknown options inside the exchanger's routes by their full path", () => {
      const route = { ...exchanger.routes.rub, customerFromkeys: ["card"] }
      expect(problem(() => parseProviderOptions(EXCHANGER, exchangerOptionsSchema, { ...exchanger, routes: { rub: route } }))).toBe(
        "Exchanger payment provider options are invalid: unknown option `routes.rub.customerFromkeys`; did you mean `customerFromKeys`?"
      )
      const toValues = [{ key: "wallet", vaule: "very-secret-wallet" }]
      expect(
        problem(() => parseProviderOptions(EXCHANGER, exchangerOptionsSchema, { ...exchanger, routes: { rub: { routeId: "r", toValues } } }))
      ).toBe(
        "Exchanger payment provider options are invalid: unknown option `routes.rub.toValues.0.vaule`; did you mean `value`?"
      )
    })
  })

  describe("URL templates", () => {
    const rubitPayWith = (urls: Record<string, unknown>) => () => parseProviderOptions(RUBITPAY, rubitPayOptionsSchema, { ...rubitPay, ...urls })

    it("accepts an http(s) URL with the documented placeholders", () => {
      const options = rubitPayWith({
        successUrl: "https://shop.example/checkout/{cart_id}?payment=success&s={session_id}",
        failUrl: "http://localhost:8000/checkout/{cart_id}",
      })()
      expect(options.successUrl).toBe("https://shop.example/checkout/{cart_id}?payment=success&s={session_id}")
    })

    it("refuses a template that is not an http(s) URL once filled in", () => {
      expect(problem(rubitPayWith({ successUrl: "shop.example/very-secret/{cart_id}", failUrl: "javascript:alert('very-secret')" }))).toBe(
        "RubitPay payment provider options are invalid: " +
          "`successUrl`: must be an http(s) URL once {session_id}, {cart_id}, {payment_collection_id} and {order_id} are filled in; " +
          "`failUrl`: must be an http(s) URL once {session_id}, {cart_id}, {payment_collection_id} and {order_id} are filled in"
      )
      expect(problem(rubitPayWith({ successUrl: 42 }))).toBe(
        "RubitPay payment provider options are invalid: `successUrl`: must be an http(s) URL ({session_id}, {cart_id}, {payment_collection_id} and {order_id} are filled in)"
      )
    })

    it("refuses a placeholder the plugin does not fill, which would reach the gateway as written", () => {
      expect(problem(rubitPayWith({ failUrl: "https://shop.example/very-secret/{customer_email}" }))).toBe(
        "RubitPay payment provider options are invalid: `failUrl`: may use only the placeholders {session_id}, {cart_id}, {payment_collection_id} and {order_id}"
      )
    })

    it("holds the exchanger's clientCallbackUrl to the same rule", () => {
      expect(
        problem(() => parseProviderOptions(EXCHANGER, exchangerOptionsSchema, { ...exchanger, clientCallbackUrl: "/checkout/{cart_id}" }))
      ).toBe(
        "Exchanger payment provider options are invalid: `clientCallbackUrl`: must be an http(s) URL once {session_id}, {cart_id}, {payment_collection_id} and {order_id} are filled in"
      )
    })
  })

  it("takes allowedReturnHosts as hosts, as a return URL's host is compared with them", () => {
    expect(problem(() => parseProviderOptions(RUBITPAY, rubitPayOptionsSchema, { ...rubitPay, allowedReturnHosts: ["https://very-secret.example"] }))).toBe(
      "RubitPay payment provider options are invalid: `allowedReturnHosts.0`: must be a host such as shop.example or localhost:8000 (no scheme, no path)"
    )
    const options = parseProviderOptions(EXCHANGER, exchangerOptionsSchema, { ...exchanger, allowedReturnHosts: ["Shop.Example", "localhost:8000"] })
    expect(options.allowedReturnHosts).toEqual(["shop.example", "localhost:8000"])
  })
})
