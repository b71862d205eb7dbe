import { phpJsonDecode } from "../../../lib/php"
import { parseStrictJsonObject } from "../../../lib/webhook-body"
import { rubitPaySignature, rubitPaySignatureBase, signRubitPayRequest, verifyRubitPaySignature } from "../signature"
import vectors from "./fixtures/python-vectors.json"

const decode = (body: string) => Object.fromEntries(phpJsonDecode(body) as Map<string, unknown>)

/** Vectors made by RubitPay's own Python make_sign (generate-python-vectors.py). */
describe("RubitPay signature = the doc's Python make_sign", () => {
  it.each(vectors.vectors.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    expect(rubitPaySignatureBase(decode(vector.body))).toBe(vector.base)
    expect(rubitPaySignature(decode(vector.body), vector.secret)).toBe(vector.sign)
  })

  it("reproduces the doc's example string", () => {
    expect(
      rubitPaySignatureBase({ shop_id: "79834981", shop_order_id: "ORDER-001", amount: "2990.00", currency: "RUB", payway: "sbp" })
    ).toBe("2990.00:RUB:sbp:79834981:ORDER-001")
  })

  it("leaves out sign and absent optional fields", () => {
    const params = { shop_id: "1", amount: "10.00", description: undefined, fail_url: null }
    expect(rubitPaySignatureBase({ ...params, sign: "x" })).toBe("10.00:1")
  })

  it("verifies signed requests and rejects tampered ones", () => {
    const signed = signRubitPayRequest({ shop_id: "1", shop_order_id: "A", amount: "10.00" }, "k")
    expect(verifyRubitPaySignature(signed, "k")).toBe(true)
    expect(verifyRubitPaySignature({ ...signed, amount: "10.01" }, "k")).toBe(false)
    expect(verifyRubitPaySignature({ ...signed, sign: undefined }, "k")).toBe(false)
  })

  it("escapes in add_ons what Python's repr escapes (non-breaking and zero-width spaces, line separators, emoji kept)", () => {
    // made with the doc's make_sign under Python 3.11.7
    const params = {
      shop_id: "s1",
      shop_order_id: "payses_X",
      amount: "10.00",
      currency: "RUB",
      payway: "p2p",
      add_ons: { payer_name: "Ivan\u00a0Petrov", note: "a\u200bb\u2028c\x85d\ufeffe\u{1F600}\u{E0001}" },
    }
    expect(rubitPaySignatureBase(params)).toBe(
      "{'payer_name': 'Ivan\\xa0Petrov', 'note': 'a\\u200bb\\u2028c\\x85d\\ufeffe\u{1F600}\\U000e0001'}:10.00:RUB:p2p:s1:payses_X"
    )
    expect(signRubitPayRequest(params, "sec").sign).toBe("dfb9b5277fa7e5e9b06077b6b354440fc7451b4e68e72d49fc891ecf178f0823")
  })

  it("reads JSON integers as Python does, without PHP's int64 limit", () => {
    const decoded = parseStrictJsonObject("RubitPay", '{"amount":100000000000000000000,"fee":2990.00}', "python")
    // Python: str(10**20) is the integer, str(2990.00) is "2990.0"
    expect(rubitPaySignatureBase(Object.fromEntries(decoded))).toBe("100000000000000000000:2990.0")
    const asPhp = parseStrictJsonObject("RubitPay", '{"amount":100000000000000000000}')
    expect(rubitPaySignatureBase(Object.fromEntries(asPhp))).toBe("1e+20")
  })
})
