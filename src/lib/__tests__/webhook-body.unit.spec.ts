import fc from "fast-check"
import { MedusaError } from "@medusajs/framework/utils"
import { PhpArray, PhpInt, phpFormDecode, phpJsonDecode } from "../php"
import { plainFields } from "../notification-fields"
import {
  exactMediaType,
  FORM_MEDIA_TYPE,
  JSON_MEDIA_TYPE,
  parseStrictForm,
  parseStrictJsonObject,
  rawBodyText,
  StrictFormOptions,
} from "../webhook-body"
// body-parser's `extended: true` call of qs, as Medusa's urlencoded body parser makes it
import { canonical, expressForm, formEncode, formParsersDisagree, INDEX_SEGMENTS, NAME_SEGMENTS } from "./forgery-helpers"

const G = "Test"
const invalid = (message?: RegExp) =>
  expect.objectContaining({
    type: MedusaError.Types.INVALID_DATA,
    ...(message ? { message: expect.stringMatching(message) } : {}),
  })
const BOTH = [JSON_MEDIA_TYPE, FORM_MEDIA_TYPE]

/** The gateways' nested fields: Romb's `data[key]`, the exchanger's `toValues[0][key]`. */
const NESTED: StrictFormOptions["nested"] = { data: { depth: 1 }, toValues: { depth: 2, indexed: true } }
const DATA = { data: { depth: 1 } }
const TO_VALUES = { toValues: { depth: 2, indexed: true } }

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
    const fields = parseStrictForm(G, raw, { nested: NESTED })
    expect(plainFields(fields)).toEqual({ toValues: [{ key: "wallet", value: "T1" }, { key: "memo" }], data: { x: "1" } })
    expect(fields).toStrictEqual(phpFormDecode(raw))
    expect(plainFields(fields)).toEqual(expressForm(raw))
    expect(() => parseStrictForm(G, "data[x][y]=1", { nested: DATA })).toThrow(invalid(/bracket syntax/))
    expect(() => parseStrictForm(G, "toValues[0][key][x]=1", { nested: TO_VALUES })).toThrow(invalid(/bracket syntax/))
    // the same shapes where the field is not declared nested, or declared without an index
    expect(() => parseStrictForm(G, "data[x]=1")).toThrow(invalid(/bracket syntax where the doc has a flat field/))
    expect(() => parseStrictForm(G, "toValues[0][key]=1", { nested: { toValues: { depth: 2 } } })).toThrow(invalid(/not a plain name/))
  })

  it.each([
    // names only inside data, any order
    ["data[b]=1&data[a]=2&data[_c]=3&data[Z9]=4", DATA],
    // list items at the next index, an earlier one revisited, items as values or as names
    ["toValues[0][key]=a&toValues[0][name]=b&toValues[1][key]=c", TO_VALUES],
    ["toValues[0][key]=a&toValues[1][key]=b&toValues[0][name]=c&toValues[2][key]=d", TO_VALUES],
    ["toValues[0]=a&toValues[1]=b", TO_VALUES],
    ["toValues[0]=a&toValues[1][key]=b", TO_VALUES],
    ["toValues%5B0%5D%5Bkey%5D=a&toValues%5b1%5d%5bkey%5d=b", TO_VALUES],
    // a list longer than qs's default arrayLimit: body-parser raises it with the number of pairs
    [Array.from({ length: 150 }, (_, i) => `toValues[${i}][key]=k${i}`).join("&"), TO_VALUES],
  ])("reads %s as $_POST and qs both read it", (raw, nested) => {
    const fields = parseStrictForm(G, raw, { nested })
    expect(fields).toStrictEqual(phpFormDecode(raw))
    expect(canonical(plainFields(fields))).toBe(canonical(expressForm(raw)))
  })

  const refusals: Array<[string, string, RegExp, StrictFormOptions["nested"]?]> = [
    // names PHP rewrites: a leading space (raw, %20 or +) is dropped, so " amount" is "amount" to $_POST
    ["leading space", " amount=1", /only printable ASCII/],
    ["leading %20", "%20amount=1", /not a plain name/],
    ["leading +", "+amount=1", /not a plain name/],
    ["inner +", "my+key=1", /not a plain name/],
    ["leading [", "[amount]=1", /not a plain name/],
    ["leading %5B", "%5Bamount%5D=1", /not a plain name/],
    ["unterminated [", "amount[=1", /not a plain name/],
    ["text after ]", "data[x]y=1", /not a plain name/, DATA],
    ["empty []", "data[]=1", /not a plain name/, DATA],
    // "." becomes "_" in PHP
    ["dot", "order.id=1", /not a plain name/],
    ["encoded dot", "order%2Eid=1", /not a plain name/],
    ["dot in a segment", "data[a.b]=1", /not a plain name/, DATA],
    ["leading digit", "10=a", /not a plain name/],
    ["leading underscore", "_x=a", /not a plain name/],
    ["dash", "order-id=1", /not a plain name/],
    // duplicate names: last wins in PHP, an array in qs
    ["duplicate", "amount=1&amount=2", /appears twice/],
    ["duplicate, one encoded", "amount=1&%61mount=2", /appears twice/],
    ["duplicate nested", "data[x]=1&data[x]=2", /appears twice/, DATA],
    ["duplicate nested, one encoded", "data[x]=1&data%5Bx%5D=2", /appears twice/, DATA],
    // bracket syntax where the field is flat
    ["bracket on a flat field", "amount[x]=1", /bracket syntax where the doc has a flat field/],
    ["bracket on a flat field, encoded", "amount%5Bx%5D=1", /bracket syntax/],
    ["index on a flat field", "amount[0]=1", /not a plain name/],
    ["index on a flat field, encoded", "amount%5B0%5D=1", /not a plain name/],
    ["too deep", "data[a][b]=1", /bracket syntax/, DATA],
    ["too deep, indexed", "toValues[0][a][b]=1", /bracket syntax/, TO_VALUES],
    // digits inside brackets: qs turns them into array indexes and renumbers them ({1: x} in $_POST, [x] in qs)
    ["digit segment", "data[1]=x", /not a plain name/, DATA],
    ["digit segment, encoded", "data%5B1%5D=x", /not a plain name/, DATA],
    ["index 0 where names are", "data[0]=x", /not a plain name/, DATA],
    ["digits among names", "data[x]=1&data[0]=2", /not a plain name/, DATA],
    ["digits where an indexed field has names", "toValues[0][0]=x", /not a plain name/, TO_VALUES],
    ["segment starting with a digit", "data[1x]=1", /not a plain name/, DATA],
    // names that shadow Object.prototype: qs drops __proto__, PHP keeps every one of them
    ["__proto__ segment", "data[__proto__]=x", /not a plain name/, DATA],
    ["__proto__ segment, encoded", "data%5B__proto__%5D=x", /not a plain name/, DATA],
    ["constructor segment", "data[constructor]=x", /not a plain name/, DATA],
    ["toString segment", "data[toString]=x", /not a plain name/, DATA],
    ["hasOwnProperty segment", "data[hasOwnProperty]=x", /not a plain name/, DATA],
    ["__defineGetter__ segment", "data[__defineGetter__]=x", /not a plain name/, DATA],
    ["prototype name in an indexed item", "toValues[0][valueOf]=x", /not a plain name/, TO_VALUES],
    ["prototype name as a flat field", "constructor=1", /not a plain name/],
    ["prototype name as a flat field (hasOwnProperty)", "hasOwnProperty=1", /not a plain name/],
    ["prototype name as a nested base", "toString[x]=1", /not a plain name/, { toString: { depth: 1 } }],
    ["__proto__ as a list index", "toValues[__proto__][key]=x", /not the next index of the list toValues/, TO_VALUES],
    // list indexes: from 0, each the next one or one already used
    ["list starting at 1", "toValues[1][key]=a", /not the next index of the list toValues/, TO_VALUES],
    ["list with a gap", "toValues[0][key]=a&toValues[2][key]=b", /not the next index/, TO_VALUES],
    ["list out of order", "toValues[1][key]=b&toValues[0][key]=a", /not the next index/, TO_VALUES],
    ["index with a leading zero", "toValues[0][key]=a&toValues[01][key]=b", /not the next index/, TO_VALUES],
    ["negative index", "toValues[-1][key]=a", /not the next index/, TO_VALUES],
    ["name where the index is", "toValues[x][key]=a", /not the next index/, TO_VALUES],
    ["append where the index is", "toValues[][key]=a", /not the next index/, TO_VALUES],
    ["index beyond the fields allowed", "toValues[0]=a&toValues[10000]=b", /not the next index/, TO_VALUES],
    // a name that is both a value and a parent
    ["a=1&a[b]=2", "a=1&a[b]=2", /clashes with a field of the same name/, { a: { depth: 1 } }],
    ["a[b]=2&a=1", "a[b]=2&a=1", /clashes with a field of the same name/, { a: { depth: 1 } }],
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
    const disagreeing = refusals.filter(([, raw]) => formParsersDisagree(raw)).map(([name]) => name)
    // most of the refused shapes are exactly where the two parsers part ways
    expect(disagreeing.length).toBeGreaterThan(20)
    for (const name of ["digit segment", "list starting at 1", "list with a gap", "list out of order", "__proto__ segment"]) {
      expect(disagreeing).toContain(name)
    }
  })

  it("property: what the strict read accepts, $_POST and qs read alike (and as the strict read does); nested names included", () => {
    // pairs of the gateways' nested fields and a flat one, with list indexes and bracket names both parsers
    // read alike or not, raw or percent-encoded, in any order
    const plainName = fc.constantFrom(...NAME_SEGMENTS.slice(0, 9))
    const anySegment = fc.oneof(fc.constantFrom(...INDEX_SEGMENTS), fc.constantFrom(...NAME_SEGMENTS))
    const path = fc.oneof(
      // the doc's shapes: data[name], toValues[i][name] with small indexes (in order or not), flat fields
      { weight: 3, arbitrary: plainName.map((name) => ["data", name]) },
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom("0", "0", "1", "2"), plainName).map(([index, name]) => ["toValues", index, name]) },
      { weight: 1, arbitrary: fc.constantFrom<string[]>(["amount"], ["id"], ["toValues", "0"], ["toValues", "1"]) },
      // anything around them
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom("data", "toValues", "amount", "constructor", "toString"), fc.array(anySegment, { maxLength: 3 })).map(([b, segments]) => [b, ...segments]) }
    )
    const pair = fc
      .record({ path, value: fc.constantFrom("1", "x", "a%26b", "%D0%98", ""), encoded: fc.boolean() })
      .map(({ path: [base, ...segments], value, encoded }) => {
        const [open, close] = encoded ? ["%5B", "%5D"] : ["[", "]"]
        return `${base}${segments.map((s) => `${open}${formEncode(s)}${close}`).join("")}=${value}`
      })
    let accepted = 0
    let acceptedNested = 0
    let refusedDisagreeing = 0
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 5 }), (pairs) => {
        const raw = pairs.join("&")
        let fields: PhpArray
        try {
          fields = parseStrictForm(G, raw, { nested: NESTED })
        } catch (error) {
          expect(error).toEqual(invalid())
          if (formParsersDisagree(raw)) refusedDisagreeing++
          return
        }
        accepted++
        if (/\[|%5B/i.test(raw)) acceptedNested++
        expect(fields).toStrictEqual(phpFormDecode(raw))
        expect(canonical(plainFields(fields))).toBe(canonical(expressForm(raw)))
      }),
      { numRuns: 4000 }
    )
    // both sides are reached: nested bodies read, and bodies the parsers read differently refused
    expect(acceptedNested).toBeGreaterThan(500)
    expect(accepted).toBeGreaterThan(acceptedNested)
    expect(refusedDisagreeing).toBeGreaterThan(1500)
  })

  it("property: the doc's nested shapes are always read (names in data, list items in order with names, any pair order within that)", () => {
    const plainName = fc.constantFrom(...NAME_SEGMENTS.slice(0, 9))
    const body = fc
      .record({
        data: fc.uniqueArray(plainName, { maxLength: 4 }),
        items: fc.array(fc.uniqueArray(plainName, { minLength: 1, maxLength: 3 }), { maxLength: 4 }),
        seeds: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
        encoded: fc.boolean(),
      })
      .map(({ data, items, seeds, encoded }) => {
        const [open, close] = encoded ? ["%5B", "%5D"] : ["[", "]"]
        const dataPairs = data.map((name, i) => `data${open}${name}${close}=d${i}`)
        // an item's names may interleave with later items' as long as each index first appears in order
        const itemPairs = items.flatMap((names, i) => names.map((name, j) => ({ i, text: `toValues${open}${i}${close}${open}${name}${close}=v${i}${j}`, s: seeds[(i * 3 + j) % 16] })))
        const firsts = items.map((_, i) => itemPairs.find((p) => p.i === i)!)
        const rest = itemPairs.filter((p) => !firsts.includes(p)).sort((a, b) => a.s - b.s)
        const ordered: string[] = []
        for (const first of firsts) {
          ordered.push(first.text)
          // later names of this item and of earlier ones, placed after the item's first pair
          ordered.push(...rest.filter((p) => p.i <= first.i && p.s % items.length === first.i).map((p) => p.text))
        }
        ordered.push(...rest.filter((p) => !ordered.includes(p.text)).map((p) => p.text))
        return ["amount=1", ...dataPairs, ...ordered].join("&")
      })
    fc.assert(
      fc.property(body, (raw) => {
        const fields = parseStrictForm(G, raw, { nested: NESTED })
        expect(fields).toStrictEqual(phpFormDecode(raw))
        expect(canonical(plainFields(fields))).toBe(canonical(expressForm(raw)))
      }),
      { numRuns: 1500 }
    )
  })

  it("accepts the most fields allowed, and percent-encoding of any character in a value", () => {
    expect(parseStrictForm(G, Array.from({ length: 200 }, (_, i) => `k${i}=v`).join("&")).size).toBe(200)
    const fields: PhpArray = parseStrictForm(G, "v=%26%3D%2B%5B%5D%25%20%2e%e2%82%ac")
    expect(fields.get("v")).toBe("&=+[]% .€")
  })
})

/**
 * parseStrictForm before its fast paths (no escape, escapes of ASCII only, flat names, a scanner for
 * bracketed names), kept here as the oracle: the fast one must accept the same bodies, read them the
 * same way, and refuse the others with the same message.
 */
function plainParseStrictForm(gateway: string, raw: string, options: StrictFormOptions = {}): PhpArray {
  const refused = (reason: string) => new MedusaError(MedusaError.Types.INVALID_DATA, `${gateway} webhook: ${reason}`)
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
  const shadowsPrototype = (name: string) => name === "__proto__" || name in Object.prototype
  const phpKey = (text: string) => {
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return text
    const n = BigInt(text)
    if (n < -(2n ** 63n) || n > 2n ** 63n - 1n) return text
    return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString()
  }
  const formDecode = (text: string) => {
    if (/%(?![0-9A-Fa-f]{2})/.test(text)) throw refused(`malformed percent-encoding in "${text}".`)
    const bytes = Buffer.from(
      text.replace(/\+/g, " ").replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      "latin1"
    )
    if (bytes.includes(0)) throw refused("a form field contains a NUL byte.")
    try {
      return utf8.decode(bytes)
    } catch {
      throw refused("a form field is not UTF-8 once percent-decoded.")
    }
  }
  if (!/^[\x21-\x7e]*$/.test(raw)) throw refused("a form body may hold only printable ASCII (everything else percent-encoded).")
  const pairs = raw.split("&")
  if (pairs.length > 200) throw refused(`more than 200 form fields.`)
  const result: PhpArray = new Map()
  const seen = new Set<string>()
  for (const pair of pairs) {
    const eq = pair.indexOf("=")
    if (eq <= 0) throw refused(`form pair "${pair}" is not name=value.`)
    const value = pair.slice(eq + 1)
    if (value.includes("=")) throw refused(`form pair "${pair}" has a raw "=" in its value.`)
    const name = formDecode(pair.slice(0, eq))
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name)
    const base = match?.[1] ?? ""
    const segments = match?.[2] ? match[2].slice(1, -1).split("][") : []
    const nesting = Object.prototype.hasOwnProperty.call(options.nested ?? {}, base) ? options.nested![base] : undefined
    const plainSegments = nesting?.indexed ? segments.slice(1) : segments
    if (
      !match ||
      !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(base) ||
      [base, ...plainSegments].some(shadowsPrototype) ||
      !plainSegments.every((segment) => /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(segment))
    ) {
      throw refused(`form field name "${name}" is not a plain name.`)
    }
    if (segments.length > (nesting?.depth ?? 0)) throw refused(`form field "${name}" uses bracket syntax where the doc has a flat field.`)
    if (nesting?.indexed && segments.length) {
      const list = result.get(base)
      if (!/^(0|[1-9][0-9]{0,3})$/.test(segments[0]) || Number(segments[0]) > (list instanceof Map ? list.size : 0)) {
        throw refused(`form field "${name}" is not the next index of the list ${base} (0, 1, 2… in order).`)
      }
    }
    if (seen.has(name)) throw refused(`form field "${name}" appears twice.`)
    seen.add(name)
    const decoded = formDecode(value)
    const path = [base, ...segments]
    let array = result
    for (const segment of path.slice(0, -1)) {
      const key = phpKey(segment)
      const existing = array.get(key)
      if (existing !== undefined && !(existing instanceof Map)) throw refused(`form field "${name}" clashes with a field of the same name.`)
      const child: PhpArray = existing ?? new Map()
      array.set(key, child)
      array = child
    }
    const key = phpKey(path[path.length - 1])
    if (array.has(key)) throw refused(`form field "${name}" clashes with a field of the same name.`)
    array.set(key, decoded)
  }
  return result
}

describe("parseStrictForm's fast paths", () => {
  /** What a parse gives: its fields, or the refusal's type and message. */
  const outcome = (parse: () => PhpArray) => {
    try {
      return { fields: parse() }
    } catch (error) {
      return { refused: (error as MedusaError).type, message: (error as Error).message }
    }
  }

  it("property: accept, read and refuse (with the same message) exactly as the plain implementation", () => {
    // escapes of every kind: ASCII ones (brackets, "+", "%", "=", "&"), NUL, UTF-8 (2, 3, 4 bytes), bytes that are not
    // UTF-8 (a lone continuation, overlong, a surrogate, a truncated sequence), malformed ones; and raw bytes alike
    const piece = fc.constantFrom(
      "a", "x", "Z9", "_", "0", "1", "01", "-1", "10000", "amount", "data", "toValues", "key", "constructor", "__proto__", "toString",
      "+", ".", "-", "*", "[", "]", "[]", "][", "%5B", "%5D", "%5b", "%5d", "%2B", "%2b", "%25", "%26", "%3D", "%20", "%2E", "%7E", "%61",
      "%00", "%0A", "%7F", "%C3%A9", "%D0%98", "%E2%82%AC", "%F0%9F%98%80", "%80", "%FF", "%C0%AF", "%ED%A0%80", "%E2%82", "%E9",
      "%", "%4", "%zz", "%u0061", "=", "é", " "
    )
    const text = fc.array(piece, { maxLength: 4 }).map((pieces) => pieces.join(""))
    const bracket = fc
      .tuple(fc.constantFrom("[", "%5B", "%5b"), fc.oneof(text, fc.constantFrom("0", "1", "2", "key", "name", "x")), fc.constantFrom("]", "%5D", "%5d"))
      .map((parts) => parts.join(""))
    const name = fc.oneof(
      { weight: 2, arbitrary: text },
      { weight: 3, arbitrary: fc.constantFrom("amount", "id", "hash", "a") },
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom("data", "toValues", "amount", "a", "constructor", "%61"), fc.array(bracket, { maxLength: 3 })).map(([base, segments]) => base + segments.join("")) },
      // the doc's shapes, raw or escaped: data[name], toValues[i][name]
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom("[", "%5B"), fc.constantFrom("]", "%5D"), fc.constantFrom("x", "key", "name"), fc.constantFrom("0", "0", "1", "2")).map(([open, close, key, index]) => [`data${open}${key}${close}`, `toValues${open}${index}${close}${open}${key}${close}`]).chain((names) => fc.constantFrom(...names)) }
    )
    // values that read well, escapes included
    const goodValue = fc.array(fc.constantFrom("1", "x", "wallet", "***", "+", "%40", "%2B", "%25", "%5B", "%C3%A9", "%F0%9F%98%80"), { maxLength: 3 })
    const pair = fc.oneof(
      { weight: 9, arbitrary: fc.tuple(name, fc.oneof(text, goodValue.map((pieces) => pieces.join("")))).map(([n, v]) => `${n}=${v}`) },
      { weight: 1, arbitrary: text }
    )
    const nested = fc.constantFrom<StrictFormOptions["nested"]>(undefined, NESTED, DATA, TO_VALUES, { a: { depth: 1 } }, { toValues: { depth: 2 } })
    let accepted = 0
    let acceptedEscaped = 0
    let acceptedNested = 0
    const refusals = new Set<string>()
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 6 }), nested, (pairs, nested) => {
        const raw = pairs.join("&")
        const fast = outcome(() => parseStrictForm(G, raw, { nested }))
        expect(fast).toStrictEqual(outcome(() => plainParseStrictForm(G, raw, { nested })))
        if (fast.fields) {
          accepted++
          if (raw.includes("%")) acceptedEscaped++
          if ([...fast.fields.values()].some((value) => value instanceof Map)) acceptedNested++
        } else {
          refusals.add(fast.message.replace(/"[^]*"|list \w+/g, "…"))
        }
      }),
      { numRuns: 20000 }
    )
    // both sides reached: bodies read (with escapes, with nesting), and every kind of refusal but too many fields
    expect(acceptedEscaped).toBeGreaterThan(500)
    expect(acceptedNested).toBeGreaterThan(200)
    expect(accepted).toBeGreaterThan(acceptedEscaped)
    expect(refusals.size).toBe(11)
  })

  it("reads the sandbox exchanger's IPN as the plain implementation does", () => {
    const raw =
      "orderUID=1400&orderId=65a1f0c2e4b0a1b2c3d4e5aa&newStatus=done&inAmount=1790.5&outAmount=18.80&xml_from=CARDRUB&xml_to=USDTTRC20" +
      "&timestamp=1763861445000&toValues%5B0%5D%5Bkey%5D=wallet&toValues%5B0%5D%5Bname%5D=wallet&toValues%5B0%5D%5Bvalue%5D=***&hash=" +
      "ab".repeat(32)
    expect(parseStrictForm(G, raw, { nested: TO_VALUES })).toStrictEqual(plainParseStrictForm(G, raw, { nested: TO_VALUES }))
  })
})
