import { MedusaError } from "@medusajs/framework/utils"
import { PhpArray, phpFormDecode, phpJsonDecode } from "../../../lib/php"
import { readRombBody, rombSignature, rombSignatureBase, verifyRombSignature } from "../signature"
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
const FORM = "application/x-www-form-urlencoded"
const JSON_TYPE = "application/json"
const invalidData = expect.objectContaining({ type: MedusaError.Types.INVALID_DATA })

/** What Romb's PHP sees: `$_POST` for a form body, `json_decode($raw, true)` otherwise (no strictness). */
function phpModel(vector: Vector): PhpArray {
  const decoded = vector.contentType.startsWith(FORM) ? phpFormDecode(vector.body) : phpJsonDecode(vector.body)
  if (!(decoded instanceof Map)) throw new Error(`vector ${vector.name} is not an object`)
  return decoded
}

/** The plugin's one strict read of the body, or the error it refuses it with. */
function strictRead(vector: Vector): { fields: PhpArray } | { error: unknown } {
  try {
    return { fields: readRombBody(vector.body, vector.contentType) }
  } catch (error) {
    return { error }
  }
}

describe("Romb signature = Romb's PHP reference, byte for byte", () => {
  it.each(signed.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    // the oracle: the PHP model of the body signs exactly what the real PHP signed
    const model = phpModel(vector)
    expect(rombSignatureBase(model)).toBe(vector.base)
    expect(rombSignature(model, fixture.secret)).toBe(vector.sign)
    // the plugin's strict read either refuses the body or reads exactly what PHP reads
    const read = strictRead(vector)
    if ("error" in read) {
      expect(read.error).toEqual(invalidData)
    } else {
      expect(read.fields).toStrictEqual(model)
      expect(rombSignatureBase(read.fields)).toBe(vector.base)
      expect(rombSignature(read.fields, fixture.secret)).toBe(vector.sign)
    }
  })

  it.each(rejected.map((v) => [v.name, v] as const))("%s: PHP's json_decode fails, so does ours", (_name, vector) => {
    expect(() => phpJsonDecode(vector.body)).toThrow(SyntaxError)
    expect(() => readRombBody(vector.body, vector.contentType)).toThrow(invalidData)
  })

  it("the strict read accepts the ordinary vectors and refuses the ambiguous ones", () => {
    const accepted = signed.filter((v) => !("error" in strictRead(v))).map((v) => v.name)
    // what a real Romb notification looks like is read (and read as PHP reads it)
    for (const name of ["doc example", "float with zero fraction", "amount as string", "form basic", "form unicode", "JSON content type with charset", "nested unicode and escapes"]) {
      expect(accepted).toContain(name)
    }
    // what PHP and an ordinary parser could read differently is refused
    for (const name of ["duplicate keys", "duplicate keys in nested objects", "form mangled names", "form name edge cases", "form indexes", "form unterminated brackets", "form numeric-looking names", "form values are strings", "form beyond max_input_vars"]) {
      expect(accepted).not.toContain(name)
    }
  })

  it("matches hand-derived examples of the doc's rules", () => {
    // Sorted keys; the float 1500.00 prints as "1500" (precision=14, no zero
    // fraction) but the int 7 as "7"; inside `data`, json_encode escapes "/",
    // keeps Cyrillic as UTF-8, prints the float 10.0 as 10; true -> "1", null -> "".
    const json = '{"status":"PAID","amount":1500.00,"data":{"url":"a/b","name":"Иван","f":10.0},"n":7,"t":true,"z":null,"sign":"x"}'
    const expected = 'amount=1500&data={"url":"a\\/b","name":"Иван","f":10}&n=7&status=PAID&t=1&z='
    expect(rombSignatureBase(phpJsonDecode(json) as PhpArray)).toBe(expected)
    expect(rombSignatureBase(readRombBody(json, JSON_TYPE))).toBe(expected)
    // $_POST: "data[]" appends to a list; every leaf is a string, so json_encode quotes "1";
    // 0.1 + 0.2 sent as text stays the text; rtrim eats the value's own trailing "&" (%26).
    const form = "x=a%26%26&data[]=1&data[]=b&amount=0.30000000000000004"
    expect(rombSignatureBase(phpFormDecode(form))).toBe('amount=0.30000000000000004&data=["1","b"]&x=a')
    // the strict read refuses `data[]` (two parsers number an append differently), and numbered keys too
    // (qs turns `data[1]` into an index it renumbers); `data` takes names only, signed as a JSON object
    expect(() => readRombBody(form, FORM)).toThrow(invalidData)
    for (const numbered of ["x=a%26%26&data[0]=1&data[1]=b&amount=0.30000000000000004", "data[1]=b", "data[x]=1&data[0]=2"]) {
      expect(() => readRombBody(numbered, FORM)).toThrow(expect.objectContaining({ type: MedusaError.Types.INVALID_DATA, message: expect.stringMatching(/not a plain name/) }))
    }
    const named = "x=a%26%26&data[first]=1&data[_2nd]=b&amount=0.30000000000000004"
    expect(rombSignatureBase(readRombBody(named, FORM))).toBe('amount=0.30000000000000004&data={"first":"1","_2nd":"b"}&x=a')
    expect(rombSignatureBase(readRombBody(named, FORM))).toBe(rombSignatureBase(phpFormDecode(named)))
  })
})

describe("verifyRombSignature", () => {
  const secret = "s3cret"
  const signJson = (body: string) => {
    const sign = rombSignature(readRombBody(body, JSON_TYPE), secret)
    return `${body.slice(0, -1)},"sign":"${sign}"}`
  }
  const body = signJson('{"id":"t1","order_id":"payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W","amount":100.50,"status":"PAID"}')
  const verify = (raw: string, contentType = JSON_TYPE, key = secret) => verifyRombSignature(readRombBody(raw, contentType), key)

  it("accepts the gateway's signature (lowercase hex, as hash_hmac prints it); refuses an uppercase copy like hash_equals", () => {
    expect(verify(body)).toBe(true)
    const upper = body.replace(/"sign":"([0-9a-f]+)"/, (_m, hex: string) => `"sign":"${hex.toUpperCase()}"`)
    expect(upper).not.toBe(body)
    expect(verify(upper)).toBe(false)
  })

  it("accepts a form-encoded notification", () => {
    const fields = "id=t1&order_id=payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W&amount=100.50&status=PAID"
    expect(verify(`${fields}&sign=${rombSignature(readRombBody(fields, FORM), secret)}`, FORM)).toBe(true)
  })

  it("rejects a tampered body, another secret, a missing or non-string sign", () => {
    // 100.50 and 100.5 are the same PHP float: that is not tampering
    expect(verify(body.replace("100.50", "100.5"))).toBe(true)
    expect(verify(body.replace("100.50", "100.51"))).toBe(false)
    expect(verify(body.replace("100.50", "100"))).toBe(false)
    expect(verify(body.replace("100.50", '"100.50"'))).toBe(false)
    expect(verify(body, JSON_TYPE, "other")).toBe(false)
    expect(verify('{"order_id":"payses_1"}')).toBe(false)
    const signature = rombSignature(readRombBody('{"a":1}', JSON_TYPE), secret)
    expect(verify(`{"a":1,"sign":["${signature}"]}`)).toBe(false)
  })

  it("reports a malformed or ambiguous body as invalid data, before any signature", () => {
    expect(() => readRombBody("{nope", JSON_TYPE)).toThrow(invalidData)
    expect(() => readRombBody('"text"', JSON_TYPE)).toThrow(/not a JSON object/)
    expect(() => readRombBody("null", JSON_TYPE)).toThrow(/not a JSON object/)
    // PHP would decode a list to an array, but a Romb notification is an object
    expect(() => readRombBody('["a"]', JSON_TYPE)).toThrow(/not a JSON object/)
    // no Content-Type, or one that is neither JSON nor a form: refused rather than guessed
    expect(() => readRombBody(body, undefined)).toThrow(/Content-Type must be/)
    expect(() => readRombBody(body, "text/plain")).toThrow(invalidData)
    expect(() => readRombBody(body, `${JSON_TYPE}; x=${FORM}`)).toThrow(invalidData)
    // a form value that is not UTF-8 cannot be signed as PHP does (it signs the raw bytes)
    expect(() => readRombBody("a=%FF&sign=x", FORM)).toThrow(invalidData)
    // a duplicated field is read last-wins by both PHP and Express, but it is not what was signed
    expect(() => readRombBody(body.replace('"status":"PAID"', '"status":"WAIT","status":"PAID"'), JSON_TYPE)).toThrow(/Duplicate key/)
  })
})
