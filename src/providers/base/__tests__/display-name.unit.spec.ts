import { ExchangerProviderService } from "../../exchanger/service"
import { RombProviderService } from "../../romb/service"
import { RubitPayProviderService } from "../../rubitpay/service"

/** What the admin and the storefront call each registration, and whether its gateway can be asked about a payment. */
describe("a registration's displayName and hasStatusCall", () => {
  const romb = (options: Record<string, unknown> = {}) =>
    new RombProviderService({}, { uid: "u", publicKey: "pub", privateKey: "priv", ...options })
  const rubitPay = (options: Record<string, unknown> = {}) =>
    new RubitPayProviderService({}, { shopId: "shop", secretKey: "secret", ...options })
  const exchanger = (options: Record<string, unknown>) =>
    new ExchangerProviderService({}, { ipnSecret: "master", backendUrl: "https://api.shop.example", routes: {}, ...options })

  it("defaults to the gateway, its flow or its site", () => {
    expect(romb().displayName).toBe("Romb")
    expect(rubitPay().displayName).toBe("RubitPay")
    expect(rubitPay({ capture: true }).displayName).toBe("RubitPay")
    expect(rubitPay({ capture: false }).displayName).toBe("RubitPay (two-step)")
    expect(exchanger({ preset: "obmin" }).displayName).toBe("obmin.me")
    expect(exchanger({ preset: "pocketbank" }).displayName).toBe("pocketbank.net")
    // a preset keeps its site's name when its URLs point elsewhere (a proxy, a sandbox)
    expect(exchanger({ preset: "obmin", siteUrl: "http://127.0.0.1:9911/exchanger/obmin", apiUrl: "http://127.0.0.1:9911/api" }).displayName).toBe(
      "obmin.me"
    )
    // another site of the engine is called by its host, without www.
    expect(exchanger({ id: "swap", siteUrl: "https://www.swap.example", apiUrl: "https://www.swap.example/api" }).displayName).toBe("swap.example")
  })

  it("the displayName option overrides the default", () => {
    expect(romb({ displayName: "Card payment" }).displayName).toBe("Card payment")
    expect(rubitPay({ capture: false, displayName: "СБП с холдом" }).displayName).toBe("СБП с холдом")
    expect(exchanger({ preset: "obmin", displayName: "Оплата через Obmin" }).displayName).toBe("Оплата через Obmin")
  })

  it("hasStatusCall: Romb has none, RubitPay unless statusCall is off, the exchangers do", () => {
    expect(romb().hasStatusCall).toBe(false)
    expect(rubitPay().hasStatusCall).toBe(true)
    expect(rubitPay({ statusCall: false }).hasStatusCall).toBe(false)
    expect(exchanger({ preset: "pocketbank" }).hasStatusCall).toBe(true)
  })
})
