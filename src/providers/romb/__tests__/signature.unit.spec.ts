import { MedusaError } from "@medusajs/framework/utils"
import { rombSignature, rombSignatureBase, verifyRombSignature } from "../signature"
import fixture from "./fixtures/php-vectors.json"

/**
 * The vectors were produced by the real PHP (version in the fixture): each body
 * was POSTed to PHP's built-in server running Romb's own verifySignature code
 * (see generate-php-vectors.php); bodies json_decode rejects carry its error.
 */
type Vector = { name: string; contentType: string; body: string; base?: string; sign?: string; error?: string }
const vectors: Vector[] = fixture.vectors
const signed = vectors.filter((v) => v.error === undefined)
const rejected = vectors.filter((v) => v.error !== undefined)

describe("Romb signature = Romb's PHP reference, byte for byte", () => {
  it.each(signed.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    expect(rombSignatureBase(vector.body, vector.contentType)).toBe(vector.base)
    expect(rombSignature(vector.body, vector.contentType, fixture.secret)).toBe(vector.sign)
  })

  it.each(rejected.map((v) => [v.name, v] as const))("%s: PHP's json_decode fails, so does ours", (_name, vector) => {
    expect(() => rombSignatureBase(vector.body, vector.contentType)).toThrow(
      expect.objectContaining({ type: MedusaError.Types.INVALID_DATA })
    )
  })

  it("matches hand-derived examples of the doc's rules", () => {
    // Sorted keys; the float 1500.00 prints as "1500" (precision=14, no zero
    // fraction) but the int 7 as "7"; inside `data`, json_encode escapes "/",
    // keeps Cyrillic as UTF-8, prints the float 10.0 as 10; true -> "1", null -> "".
    expect(
      rombSignatureBase(
        '{"status":"PAID","amount":1500.00,"data":{"url":"a/b","name":"Иван","f":10.0},"n":7,"t":true,"z":null,"sign":"x"}'
      )
    ).toBe('amount=1500&data={"url":"a\\/b","name":"Иван","f":10}&n=7&status=PAID&t=1&z=')
    // $_POST: "data[]" appends to a list; every leaf is a string, so json_encode quotes "1";
    // 0.1 + 0.2 sent as text stays the text; rtrim eats the value's own trailing "&" (%26).
    expect(
      rombSignatureBase("x=a%26%26&data[]=1&data[]=b&amount=0.30000000000000004", "application/x-www-form-urlencoded")
    ).toBe('amount=0.30000000000000004&data=["1","b"]&x=a')
  })
})

describe("verifyRombSignature", () => {
  const secret = "s3cret"
  const sign = (body: string) => `${body.slice(0, -1)},"sign":"${rombSignature(body, "application/json", secret)}"}`
  const body = sign('{"id":"t1","order_id":"payses_1","amount":100.50,"status":"PAID"}')

  it("accepts the gateway's signature, in either hex case", () => {
    expect(verifyRombSignature(body, "application/json", secret)).toBe(true)
    const upper = body.replace(/"sign":"([0-9a-f]+)"/, (_m, hex: string) => `"sign":"${hex.toUpperCase()}"`)
    expect(upper).not.toBe(body)
    expect(verifyRombSignature(upper, "application/json", secret)).toBe(true)
  })

  it("accepts a form-encoded notification", () => {
    const fields = "id=t1&order_id=payses_1&amount=100.50&status=PAID"
    const form = "application/x-www-form-urlencoded"
    expect(verifyRombSignature(`${fields}&sign=${rombSignature(fields, form, secret)}`, form, secret)).toBe(true)
  })

  it("rejects a tampered body, another secret, a missing or non-string sign", () => {
    // 100.50 and 100.5 are the same PHP float: that is not tampering
    expect(verifyRombSignature(body.replace("100.50", "100.5"), "application/json", secret)).toBe(true)
    expect(verifyRombSignature(body.replace("100.50", "100.51"), "application/json", secret)).toBe(false)
    expect(verifyRombSignature(body.replace("100.50", "100"), "application/json", secret)).toBe(false)
    expect(verifyRombSignature(body.replace("100.50", '"100.50"'), "application/json", secret)).toBe(false)
    expect(verifyRombSignature(body, "application/json", "other")).toBe(false)
    expect(verifyRombSignature('{"order_id":"payses_1"}', "application/json", secret)).toBe(false)
    const signature = rombSignature('{"a":1}', "application/json", secret)
    expect(verifyRombSignature(`{"a":1,"sign":["${signature}"]}`, "application/json", secret)).toBe(false)
  })

  it("reports a malformed body as invalid data", () => {
    const invalid = expect.objectContaining({ type: MedusaError.Types.INVALID_DATA })
    expect(() => verifyRombSignature("{nope", "application/json", secret)).toThrow(invalid)
    expect(() => verifyRombSignature('"text"', "application/json", secret)).toThrow(/not a JSON object/)
    expect(() => verifyRombSignature("null", undefined, secret)).toThrow(/not a JSON object/)
    // PHP would decode a list to an array, but a Romb notification is an object
    expect(() => verifyRombSignature('["a"]', "application/json", secret)).toThrow(/not a JSON object/)
    // a form value that is not UTF-8 cannot be signed as PHP does (it signs the raw bytes)
    expect(() => verifyRombSignature("a=%FF&sign=x", "application/x-www-form-urlencoded", secret)).toThrow(invalid)
  })
})
