import { BigNumber } from "@medusajs/framework/utils"
import {
  amountsMatch,
  currencyByNumericCode,
  isoNumericCode,
  toGatewayAmount,
} from "../money"

describe("toGatewayAmount", () => {
  it.each([
    [1490.5, "rub", "1490.50"],
    ["289.675", "rub", "289.68"],
    [289.674999, "rub", "289.67"],
    [0.005, "usd", "0.01"],
    [100, "jpy", "100"],
    [99.5, "jpy", "100"],
    ["1.2345", "kwd", "1.235"],
    [{ value: "12.345", precision: 20 }, "eur", "12.35"],
    [new BigNumber("2990"), "RUB", "2990.00"],
  ])("%p %s -> %s", (amount, currency, expected) => {
    expect(toGatewayAmount(amount as any, currency)).toBe(expected)
  })

  it("keeps precision beyond floating point", () => {
    expect(toGatewayAmount("12345678901234.565", "rub")).toBe("12345678901234.57")
  })

  it("rejects an unknown currency with a clear message", () => {
    expect(() => toGatewayAmount(10, "xyz")).toThrow(/Unknown currency "xyz"/)
  })

  it("rejects negative and non-numeric amounts", () => {
    expect(() => toGatewayAmount(-1, "rub")).toThrow(/not a payable amount/)
    expect(() => toGatewayAmount("abc", "rub")).toThrow(/not a payable amount/)
  })
})

describe("ISO 4217 numeric codes", () => {
  it.each([
    ["rub", 643],
    ["usd", 840],
    ["eur", 978],
    ["kzt", 398],
    ["uah", 980],
    ["byn", 933],
    ["cny", 156],
    ["dzd", 12],
  ])("%s -> %d", (alpha, numeric) => {
    expect(isoNumericCode(alpha)).toBe(numeric)
    expect(currencyByNumericCode(numeric)?.alpha).toBe(alpha.toUpperCase())
  })
})

describe("amountsMatch", () => {
  it("compares at the currency's precision", () => {
    expect(amountsMatch("1490.5000", "1490.50", "rub")).toBe(true)
    expect(amountsMatch(1490.5, 1490.5, "rub")).toBe(true)
    expect(amountsMatch("1490.504", "1490.5", "rub")).toBe(true)
    expect(amountsMatch(1490.5, "1490.49", "rub")).toBe(false)
    expect(amountsMatch(1490.5, "1491", "rub")).toBe(false)
    expect(amountsMatch(1490.5, "garbage", "rub")).toBe(false)
  })
})
