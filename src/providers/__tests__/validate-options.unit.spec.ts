import { configManager } from "@medusajs/framework/config"
import { defineConfig } from "@medusajs/framework/utils"
import { ExchangerProviderService } from "../exchanger/service"
import { RombProviderService } from "../romb/service"
import { RubitPayProviderService } from "../rubitpay/service"

/**
 * Medusa calls `validateOptions(options)` and `new Provider(cradle, options)`
 * with the options object of the registration only; the message still names
 * the registration, found by that object in the config Medusa loaded.
 */
describe("a provider's bad option block", () => {
  const hold = { shopId: "s-1", secretkey: "very-secret-key", capture: false }
  const romb = { uid: "u-1", publicKey: "p-1", privateKey: "very-secret-private", baseUrl: "romb.mx" }
  const exchanger = { preset: "obmin", ipnSecret: "very-secret-ipn", backendUrl: "https://api.shop.example", routes: {}, lang: 7 }

  beforeAll(() => {
    configManager.loadConfig({
      baseDir: __dirname,
      throwOnValidationError: false,
      projectConfig: defineConfig({
        // a redis URL only to keep Medusa from announcing its fake one
        projectConfig: { redisUrl: "redis://unused", http: { jwtSecret: "test", cookieSecret: "test" } },
        modules: [
          {
            resolve: "@medusajs/medusa/payment",
            options: {
              providers: [
                { resolve: "medusa-plugin-redirect-payments/providers/rubitpay", id: "hold", options: hold },
                { resolve: "medusa-plugin-redirect-payments/providers/romb", options: romb },
                { resolve: "medusa-plugin-redirect-payments/providers/exchanger", id: "obmin", options: exchanger },
              ],
            },
          },
        ],
      }),
    })
  })

  it("names the registration by its Medusa provider id", () => {
    expect(() => RubitPayProviderService.validateOptions(hold)).toThrow(
      "RubitPay payment provider `pp_rubitpay_hold` options are invalid: unknown option `secretkey`; did you mean `secretKey`?"
    )
    // registered without an id, Medusa names it pp_romb
    expect(() => RombProviderService.validateOptions(romb)).toThrow(
      "Romb payment provider `pp_romb` options are invalid: `baseUrl`: must be an http(s) URL"
    )
    expect(() => ExchangerProviderService.validateOptions(exchanger)).toThrow(
      "Exchanger payment provider `pp_exchanger_obmin` options are invalid: `lang`: Invalid input: expected string, received number"
    )
  })

  it("falls back to the gateway's name for options that are not in the config", () => {
    expect(() => RubitPayProviderService.validateOptions({ ...hold })).toThrow(
      "RubitPay payment provider options are invalid: unknown option `secretkey`; did you mean `secretKey`?"
    )
  })

  it("throws the same message from the constructor, which prints nothing itself", () => {
    const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() }
    const consoleError = jest.spyOn(console, "error").mockImplementation(() => undefined)
    try {
      expect(() => new RubitPayProviderService({ logger }, hold)).toThrow(
        "RubitPay payment provider `pp_rubitpay_hold` options are invalid: unknown option `secretkey`; did you mean `secretKey`?"
      )
      expect(logger.error).not.toHaveBeenCalled()
      expect(logger.warn).not.toHaveBeenCalled()
      expect(consoleError).not.toHaveBeenCalled()
    } finally {
      consoleError.mockRestore()
    }
  })
})
