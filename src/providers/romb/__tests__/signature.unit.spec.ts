import { rombSignature, rombSignatureBase, verifyRombSignature } from "../signature"
import vectors from "./fixtures/php-vectors.json"

/**
 * The vectors were produced by the real PHP (version in the fixture) running
 * Romb's own verifySignature code over each body: see generate-php-vectors.php.
 */
describe("Romb signature = Romb's PHP reference, byte for byte", () => {
  it.each(vectors.vectors.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    expect(rombSignatureBase(vector.body, vector.contentType)).toBe(vector.base)
    expect(rombSignature(vector.body, vector.contentType, vectors.secret)).toBe(vector.sign)
  })

  it("matches hand-derived examples of the doc's rules", () => {
    // ksort, PHP float-to-string drops the zero fraction, nested arrays are
    // json_encode'd with "/" escaped and Cyrillic kept as UTF-8
    expect(
      rombSignatureBase('{"status":"PAID","amount":1500.00,"data":{"url":"a/b","name":"Иван"},"sign":"x"}')
    ).toBe('amount=1500&data={"url":"a\\/b","name":"Иван"}&status=PAID')
  })
})

describe("verifyRombSignature", () => {
  const secret = "s3cret"
  const sign = (body: string) => `${body.slice(0, -1)},"sign":"${rombSignature(body, "application/json", secret)}"}`
  const body = sign('{"id":"t1","order_id":"payses_1","amount":100.50,"status":"PAID"}')

  it("accepts the gateway's signature, in either hex case", () => {
    expect(verifyRombSignature(body, "application/json", secret)).toBe(true)
    const upper = body.replace(/"sign":"([0-9a-f]+)"/, (_m, hex: string) => `"sign":"${hex.toUpperCase()}"`)
    expect(verifyRombSignature(upper, "application/json", secret)).toBe(true)
  })

  it("rejects a tampered body, another secret and a missing sign", () => {
    expect(verifyRombSignature(body.replace("100.50", "100.51"), "application/json", secret)).toBe(false)
    expect(verifyRombSignature(body, "application/json", "other")).toBe(false)
    expect(verifyRombSignature('{"order_id":"payses_1"}', "application/json", secret)).toBe(false)
  })

  it("reports a malformed body as invalid data", () => {
    expect(() => verifyRombSignature("{nope", "application/json", secret)).toThrow(
      expect.objectContaining({ type: "invalid_data" })
    )
    expect(() => verifyRombSignature("\"text\"", "application/json", secret)).toThrow(/not a JSON object/)
  })
})
