import { MedusaError } from "@medusajs/framework/utils"
// the qs Express's urlencoded parser (body-parser) actually loads
import qs from "body-parser/node_modules/qs"
import { PhpArray, PhpInt, phpFormDecode, phpJsonDecode } from "../php"
import { plainFields } from "../notification-fields"
import {
  exactMediaType,
  FORM_MEDIA_TYPE,
  JSON_MEDIA_TYPE,
  parseStrictForm,
  parseStrictJsonObject,
  rawBodyText,
} from "../webhook-body"

const G = "Test"
const invalid = (message?: RegExp) =>
  expect.objectContaining({
    type: MedusaError.Types.INVALID_DATA,
    ...(message ? { message: expect.stringMatching(message) } : {}),
  })
const BOTH = [JSON_MEDIA_TYPE, FORM_MEDIA_TYPE]

/** body-parser's `extended: true` call of qs, as Medusa's urlencoded body parser makes it. */
const expressForm = (raw: string) =>
  qs.parse(raw, { allowPrototypes: true, arrayLimit: 100, depth: 32, strictDepth: true, parameterLimit: 1000 })

describe("exactMediaType", () => {
  it("accepts exactly the listed media types, in any case, with at most charset=utf-8", () => {
    expect(exactMediaType(G, "application/json", BOTH)).toBe(JSON_MEDIA_TYPE)
    expect(exactMediaType(G, "Application/JSON", BOTH)).toBe(JSON_MEDIA_TYPE)
    expect(exactMediaType(G, " application/x-www-form-urlencoded ", BOTH)).toBe(FORM_MEDIA_TYPE)
    expect(exactMediaType(G, "application/json; charset=utf-8", BOTH)).toBe(JSON_MEDIA_TYPE)
    expect(exactMediaType(G, "application/json;charset=UTF-8", BOTH)).toBe(JSON_MEDIA_TYPE)
    expect(exactMediaType(G, 'application/json; charset="utf-8"', BOTH)).toBe(JSON_MEDIA_TYPE)
  })

  it.each([
    [undefined, /Content-Type must be/],
    ["", /Content-Type must be/],
    ["text/plain", /Content-Type must be/],
    ["application/json-patch+json", /Content-Type must be/],
    ["application/jsonx", /Content-Type must be/],
    ["multipart/form-data; boundary=x", /Content-Type must be/],
    // a parameter naming the other media type: one parser may pick the JSON, another the form
    ["application/json; x=application/x-www-form-urlencoded", /parameter "x=application\/x-www-form-urlencoded" is not accepted/],
    ["application/x-www-form-urlencoded; type=application/json", /is not accepted/],
    ["application/json; boundary=x", /is not accepted/],
    ["application/json;", /is not accepted/],
    // a charset other than UTF-8
    ["application/json; charset=latin1", /charset=latin1/],
    ["application/json; charset=iso-8859-1", /is not accepted/],
    ["application/x-www-form-urlencoded; charset=windows-1251", /is not accepted/],
    ["application/json; charset=utf8", /is not accepted/],
    ["application/json; charset=utf-16", /is not accepted/],
    ["application/json; charset='utf-8'", /is not accepted/],
    ["application/json; charset=utf-8; charset=utf-8", /repeats its charset/],
    ["application/json; charset=utf-8; charset=latin1", /is not accepted/],
  ])("refuses %p", (header, message) => {
    expect(() => exactMediaType(G, header, BOTH)).toThrow(invalid(message))
  })

  it("accepts only the media types the gateway uses", () => {
    expect(() => exactMediaType(G, "application/x-www-form-urlencoded", [JSON_MEDIA_TYPE])).toThrow(invalid())
    expect(() => exactMediaType(G, "application/json", [FORM_MEDIA_TYPE])).toThrow(invalid())
  })
})

describe("rawBodyText", () => {
  it("reads a Buffer, a string, and a Buffer serialized by an event bus", () => {
    expect(rawBodyText(G, Buffer.from('{"a":"Иван"}'))).toBe('{"a":"Иван"}')
    expect(rawBodyText(G, "a=1")).toBe("a=1")
    expect(rawBodyText(G, JSON.parse(JSON.stringify(Buffer.from("a=1"))))).toBe("a=1")
  })

  it("refuses a missing or empty body", () => {
    for (const raw of [undefined, null, "", Buffer.alloc(0), {}, { type: "Buffer" }, 42]) {
      expect(() => rawBodyText(G, raw)).toThrow(invalid(/raw request body is missing/))
    }
  })

  it("refuses bytes that are not UTF-8 (latin1, a lone continuation byte, an overlong form, a surrogate)", () => {
    for (const bytes of [[0x7b, 0xe9, 0x7d], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff, 0xfe]]) {
      expect(() => rawBodyText(G, Buffer.from(bytes))).toThrow(invalid(/not UTF-8/))
    }
  })

  it("keeps a byte order mark, so that the JSON parse refuses it", () => {
    const text = rawBodyText(G, Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"a":1}')]))
    expect(text).toBe('\ufeff{"a":1}')
    expect(() => parseStrictJsonObject(G, text)).toThrow(invalid(/not valid JSON/))
  })
})

describe("parseStrictJsonObject", () => {
  it("reads an object as json_decode($raw, true) does", () => {
    const raw = ' \n{"amount": 100.50, "n": 7, "data": {"x": [1, "2"]}, "s": "\\u0061/\\/"}\r\n'
    const fields = parseStrictJsonObject(G, raw)
    expect(fields).toStrictEqual(phpJsonDecode(raw))
    expect(fields.get("n")).toStrictEqual(new PhpInt(7n))
    expect(plainFields(fields)).toEqual({ amount: 100.5, n: 7, data: { x: [1, "2"] }, s: "a//" })
  })

  it.each([
    ['{"a":1,"a":2}', /Duplicate key "a"/],
    // the same name written two ways is still one name
    ['{"a":1,"\\u0061":2}', /Duplicate key "a"/],
    // PHP makes "1" and 1 the same key
    ['{"1":1,"1":2}', /Duplicate key 1/],
    ['{"data":{"x":1,"y":2,"x":3}}', /Duplicate key "x"/],
    ['{"data":{"deep":[{"k":1},{"k":1,"k":2}]}}', /Duplicate key "k"/],
  ])("refuses duplicate keys at any depth: %s", (raw, message) => {
    expect(() => parseStrictJsonObject(G, raw)).toThrow(invalid(message))
    // which PHP and JSON.parse would both have resolved (last wins) without a word
    expect(() => phpJsonDecode(raw)).not.toThrow()
    expect(() => JSON.parse(raw)).not.toThrow()
  })

  it.each([
    ['{"a":1} x', /Unexpected data after JSON/],
    ['{"a":1}{"a":2}', /Unexpected data after JSON/],
    ['{"a":1},', /Unexpected data after JSON/],
    ['{"a":1}\u0000', /Unexpected data after JSON/],
    ['{"a":1}&amount=5', /Unexpected data after JSON/],
  ])("refuses trailing garbage: %p", (raw, message) => {
    expect(() => parseStrictJsonObject(G, raw)).toThrow(invalid(message))
  })

  it.each([
    ["\ufeff{}", /not valid JSON/],
    ["[]", /not a JSON object/],
    ['[{"a":1}]', /not a JSON object/],
    ['"{}"', /not a JSON object/],
    ["1", /not a JSON object/],
    ["null", /not a JSON object/],
    ["true", /not a JSON object/],
    ["", /not valid JSON/],
    ["   ", /not valid JSON/],
    ["{a:1}", /not valid JSON/],
    ['{"a":01}', /not valid JSON/],
    ['{"a":"\\ud800"}', /not valid JSON/],
    ['{"a":"x\ty"}', /not valid JSON/],
    ["\u00a0{}", /not valid JSON/],
  ])("refuses what is not a single JSON object: %p", (raw, message) => {
    expect(() => parseStrictJsonObject(G, raw)).toThrow(invalid(message))
  })
})

describe("parseStrictForm", () => {
  it("reads plain pairs as $_POST, Express's qs and the engine read them", () => {
    const raw = "id=tx-1&order_id=payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W&amount=100.50&note=a+b%20c%26d%3De&name=%D0%98%D0%B2%D0%B0%D0%BD&empty="
    const fields = parseStrictForm(G, raw)
    expect(Object.fromEntries(fields)).toEqual({
      id: "tx-1",
      order_id: "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W",
      amount: "100.50",
      note: "a b c&d=e",
      name: "Иван",
      empty: "",
    })
    expect(fields).toStrictEqual(phpFormDecode(raw))
    expect(plainFields(fields)).toEqual(expressForm(raw))
  })

  it("reads nested fields only where allowed, and as deep as allowed", () => {
    const raw = "toValues%5B0%5D%5Bkey%5D=wallet&toValues[0][value]=T1&toValues[1][key]=memo&data[x]=1"
    const fields = parseStrictForm(G, raw, { nested: { toValues: 2, data: 1 } })
    expect(plainFields(fields)).toEqual({ toValues: [{ key: "wallet", value: "T1" }, { key: "memo" }], data: { x: "1" } })
    expect(fields).toStrictEqual(phpFormDecode(raw))
    expect(plainFields(fields)).toEqual(expressForm(raw))
    expect(() => parseStrictForm(G, "data[x][y]=1", { nested: { data: 1 } })).toThrow(invalid(/bracket syntax/))
  })

  const refusals: Array<[string, string, RegExp, Record<string, number>?]> = [
    // names PHP rewrites: a leading space (raw, %20 or +) is dropped, so " amount" is "amount" to $_POST
    ["leading space", " amount=1", /only printable ASCII/],
    ["leading %20", "%20amount=1", /not a plain name/],
    ["leading +", "+amount=1", /not a plain name/],
    ["inner +", "my+key=1", /not a plain name/],
    ["leading [", "[amount]=1", /not a plain name/],
    ["leading %5B", "%5Bamount%5D=1", /not a plain name/],
    ["unterminated [", "amount[=1", /not a plain name/],
    ["text after ]", "data[x]y=1", /not a plain name/, { data: 1 }],
    ["empty []", "data[]=1", /not a plain name/, { data: 1 }],
    // "." becomes "_" in PHP
    ["dot", "order.id=1", /not a plain name/],
    ["encoded dot", "order%2Eid=1", /not a plain name/],
    ["dot in a segment", "data[a.b]=1", /not a plain name/, { data: 1 }],
    ["leading digit", "10=a", /not a plain name/],
    ["leading underscore", "_x=a", /not a plain name/],
    ["dash", "order-id=1", /not a plain name/],
    // duplicate names: last wins in PHP, an array in qs
    ["duplicate", "amount=1&amount=2", /appears twice/],
    ["duplicate, one encoded", "amount=1&%61mount=2", /appears twice/],
    ["duplicate nested", "data[x]=1&data[x]=2", /appears twice/, { data: 1 }],
    ["duplicate nested, one encoded", "data[x]=1&data%5Bx%5D=2", /appears twice/, { data: 1 }],
    // bracket syntax where the field is flat
    ["bracket on a flat field", "amount[0]=1", /bracket syntax where the doc has a flat field/],
    ["bracket on a flat field, encoded", "amount%5B0%5D=1", /bracket syntax/],
    ["too deep", "data[a][b]=1", /bracket syntax/, { data: 1 }],
    // a name that is both a value and a parent
    ["a=1&a[b]=2", "a=1&a[b]=2", /clashes with a field of the same name/, { a: 1 }],
    ["a[b]=2&a=1", "a[b]=2&a=1", /clashes with a field of the same name/, { a: 1 }],
    // stray separators
    ["empty pair &&", "a=1&&b=2", /is not name=value/],
    ["leading &", "&a=1", /is not name=value/],
    ["trailing &", "a=1&", /is not name=value/],
    ["name without =", "a=1&flag", /is not name=value/],
    ["empty name", "=1", /is not name=value/],
    ["raw = in a value", "a=b=c", /raw "=" in its value/],
    ["raw = making a pair of its own", "amount=1=5&b=2", /raw "="/],
    // malformed percent-encoding: PHP keeps "%zz" as text, qs too, some decoders throw
    ["malformed %zz", "a=%zz", /malformed percent-encoding/],
    ["truncated %4", "a=%4", /malformed percent-encoding/],
    ["bare % at the end", "a=1%", /malformed percent-encoding/],
    ["malformed % in a name", "a%=1", /malformed percent-encoding/],
    ["%u escape", "a=%u0061", /malformed percent-encoding/],
    // NUL ends a name in PHP
    ["%00 in a name", "a%00b=1", /NUL byte/],
    ["%00 in a value", "a=x%00y", /NUL byte/],
    // bytes
    ["non-UTF-8 once decoded", "a=%FF", /not UTF-8 once percent-decoded/],
    ["latin1 é", "a=%E9", /not UTF-8/],
    ["raw non-ASCII", "a=é", /only printable ASCII/],
    ["raw tab", "a=\t", /only printable ASCII/],
    ["raw newline", "a=1\nb=2", /only printable ASCII/],
    ["raw space in a value", "a=b c", /only printable ASCII/],
    ["too many fields", Array.from({ length: 201 }, (_, i) => `k${i}=v`).join("&"), /more than 200 form fields/],
  ]

  // a rest parameter: jest would take a fourth named parameter for a done callback
  it.each(refusals)("refuses %s", (...[, raw, message, nested]) => {
    expect(() => parseStrictForm(G, raw, { nested })).toThrow(invalid(message))
  })

  it("refuses every one of those bodies whose $_POST and qs readings differ (the reason the rules exist)", () => {
    let disagreements = 0
    for (const [, raw] of refusals) {
      let php: unknown
      try {
        php = plainFields(phpFormDecode(raw))
      } catch {
        php = "error"
      }
      if (JSON.stringify(php) !== JSON.stringify(expressForm(raw))) disagreements++
    }
    // most of the refused shapes are exactly where the two parsers part ways
    expect(disagreements).toBeGreaterThan(10)
  })

  it("accepts the most fields allowed, and percent-encoding of any character in a value", () => {
    expect(parseStrictForm(G, Array.from({ length: 200 }, (_, i) => `k${i}=v`).join("&")).size).toBe(200)
    const fields: PhpArray = parseStrictForm(G, "v=%26%3D%2B%5B%5D%25%20%2e%e2%82%ac")
    expect(fields.get("v")).toBe("&=+[]% .€")
  })
})
