import fc from "fast-check"
import { PhpArray, PhpFloat, PhpInt, phpFormDecode, phpJsonDecode, phpJsonEncode, phpKey, PhpKey, phpKsort, phpToString, PhpValue } from "../php"

/** Expected values below were checked with PHP 8.2 (php -r '...'). */
const float = (value: number) => new PhpFloat(value)
const int = (value: number | bigint) => new PhpInt(BigInt(value))
const decodeObject = (raw: string) => phpJsonDecode(raw) as PhpArray

describe("phpJsonDecode (json_decode($raw, true))", () => {
  it("keeps integers and floats apart, as PHP does", () => {
    const decoded = decodeObject('{"i":1500,"f":1500.00,"e":1e2,"big":9223372036854775808,"max":9223372036854775807,"neg":-0}')
    expect(decoded.get("i")).toEqual(int(1500))
    expect(decoded.get("f")).toEqual(float(1500))
    expect(decoded.get("e")).toEqual(float(100))
    expect(decoded.get("big")).toEqual(float(9223372036854775808))
    expect(decoded.get("max")).toEqual(int(9223372036854775807n))
    expect(decoded.get("neg")).toEqual(int(0))
  })

  it("makes int keys of decimal-integer strings only, keeps key order, last duplicate wins in place", () => {
    const decoded = decodeObject('{"12":1,"012":2,"-0":3,"-5":4,"b":5,"9007199254740993":6,"b":7}')
    expect([...decoded.keys()]).toEqual([12, "012", "-0", -5, "b", "9007199254740993"])
    expect(decoded.get("b")).toEqual(int(7))
  })

  it("decodes lists to arrays with keys 0..n-1 and strings with escapes", () => {
    expect([...decodeObject('[true,null,"\\u00e9\\ud83d\\ude00\\/"]').entries()]).toEqual([
      [0, true],
      [1, null],
      [2, "é😀/"],
    ])
  })

  it.each([
    ["an unpaired surrogate", '"\\udc00"'],
    ["a raw control character", '"a\nb"'],
    ["512 nested arrays", "[".repeat(512) + "]".repeat(512)],
    ["trailing data", "{} {}"],
    ["a leading zero", "01"],
  ])("rejects %s like PHP", (_what, raw) => {
    expect(() => phpJsonDecode(raw)).toThrow(SyntaxError)
  })

  it("accepts 511 nested arrays", () => {
    expect(phpJsonDecode("[".repeat(511) + "]".repeat(511))).toBeInstanceOf(Map)
  })
})

describe("phpFormDecode ($_POST)", () => {
  it("decodes names as PHP: mangling, brackets, appends, int keys", () => {
    const decoded = phpFormDecode("a.b=1&c[]=x&c[]=y&c[7]=z&c[]=w&d[k][]=v&e[b=2& +f=3&10=t&g=%zz+%41")
    expect(phpJsonEncode(decoded)).toBe(
      '{"a_b":"1","c":{"0":"x","1":"y","7":"z","8":"w"},"d":{"k":["v"]},"e_b":"2","f":"3","10":"t","g":"%zz A"}'
    )
  })

  it("follows PHP 8.2's next index after negative keys and stops after max_input_vars", () => {
    expect(phpJsonEncode(phpFormDecode("n[-5]=x&n[]=y"))).toBe('{"n":{"-5":"x","-4":"y"}}')
    const many = Array.from({ length: 1002 }, (_, i) => `k${i}=v`).join("&")
    expect(phpFormDecode(many).size).toBe(1001)
  })

  it("refuses bytes that are not UTF-8", () => {
    expect(() => phpFormDecode("a=%FF")).toThrow(SyntaxError)
  })
})

describe("phpToString (PHP's string conversion, precision=14)", () => {
  it.each([
    [float(100.5), "100.5"],
    [float(1500), "1500"],
    [float(0.1 + 0.2), "0.3"],
    [float(123456789012345.678), "1.2345678901235E+14"],
    [float(1e15), "1.0E+15"],
    [float(0.00001), "1.0E-5"],
    [float(0.0001), "0.0001"],
    [float(-0), "-0"],
    [float(99999999999999.99), "1.0E+14"],
    [float(Infinity), "INF"],
    [int(-42), "-42"],
    [true, "1"],
    [false, ""],
    [null, ""],
    ["as is", "as is"],
  ])("%p -> %p", (value, expected) => {
    expect(phpToString(value)).toBe(expected)
  })
})

describe("phpJsonEncode (JSON_UNESCAPED_UNICODE, serialize_precision=-1)", () => {
  it.each([
    [float(10), "10"],
    [float(0.1 + 0.2), "0.30000000000000004"],
    [float(1e25), "1.0e+25"],
    [float(1e16), "10000000000000000"],
    [float(1e-7), "1.0e-7"],
    [float(-0), "-0"],
    ['a/b"\\\b\f\n\r\t\u0001\u007f\u2028\u2029Иван😀', '"a\\/b\\"\\\\\\b\\f\\n\\r\\t\\u0001\u007f\\u2028\\u2029Иван😀"'],
  ])("%p -> %p", (value, expected) => {
    expect(phpJsonEncode(value)).toBe(expected)
  })

  it("tells lists from objects by their keys", () => {
    expect(phpJsonEncode(decodeObject('{"0":"a","1":"b"}'))).toBe('["a","b"]')
    expect(phpJsonEncode(decodeObject('{"1":"a","0":"b"}'))).toBe('{"1":"a","0":"b"}')
    expect(phpJsonEncode(decodeObject("{}"))).toBe("[]")
  })

  it("fails as a whole on an infinite float", () => {
    expect(phpJsonEncode(decodeObject('{"ok":1,"x":[1e400]}'))).toBe(false)
  })
})

describe("phpKsort (SORT_REGULAR)", () => {
  const sortedKeys = (raw: string) => [...phpKsort(decodeObject(raw)).keys()]

  it("orders ints and numeric strings by value, other strings bytewise, equal ones stably", () => {
    expect(sortedKeys('{"b":1,"10":1,"9":1,"9a":1,"1.5":1,"":1,"Z":1,"1.0":1,"1":1,"\\uffff":1,"😀":1}')).toEqual([
      "",
      "1.0",
      1,
      "1.5",
      9,
      10,
      "9a",
      "Z",
      "b",
      "\uffff",
      "😀",
    ])
  })

  it("compares int keys beyond 2^53 exactly and same-overflow integers as strings", () => {
    expect(sortedKeys('{"9007199254740993":1,"9007199254740992":1,"99999999999999999999":1,"100000000000000000000":1}')).toEqual([
      // beyond Number.MAX_SAFE_INTEGER, int keys are held as their decimal string
      "9007199254740992",
      "9007199254740993",
      "100000000000000000000",
      "99999999999999999999",
    ])
  })
})

describe("phpKey", () => {
  it("turns decimal-integer strings within int64 into int keys", () => {
    expect(["0", "12", "-3", "012", "-0", "1.5", " 1", "9223372036854775808"].map(phpKey)).toEqual([
      0,
      12,
      -3,
      "012",
      "-0",
      "1.5",
      " 1",
      "9223372036854775808",
    ])
  })
})

// ------------------------------------------------------------------------------------------------ fast paths

/**
 * The implementations before their fast paths (json_decode's string and whitespace reading, phpKey without
 * BigInt, the shortest-digits way to precision 14, json_encode's unescaped strings, ksort reading each key
 * once and comparing bytes without encoding them), kept here as oracles: the fast ones must agree on
 * every input, refusals and their messages included.
 */
const oracle = (() => {
  const INT64_MIN = -(2n ** 63n)
  const INT64_MAX = 2n ** 63n - 1n
  const inInt64 = (n: bigint) => n >= INT64_MIN && n <= INT64_MAX
  const keyFromInt = (n: bigint): PhpKey => (Number.isSafeInteger(Number(n)) ? Number(n) : n.toString())
  const isDecimalIntKey = (text: string) => /^(0|-?[1-9][0-9]*)$/.test(text) && inInt64(BigInt(text))
  const phpKey = (text: string): PhpKey => (isDecimalIntKey(text) ? keyFromInt(BigInt(text)) : text)
  const intKeyValue = (key: PhpKey) => (typeof key === "number" ? BigInt(key) : isDecimalIntKey(key) ? BigInt(key) : undefined)

  function phpJsonDecode(raw: string, options: { rejectDuplicateKeys?: boolean; unboundedIntegers?: boolean } = {}): PhpValue {
    const JSON_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y
    const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y
    let pos = 0
    const fail = (what: string): never => {
      throw new SyntaxError(`${what} at position ${pos}`)
    }
    const skipWhitespace = () => {
      while (pos < raw.length && " \t\n\r".includes(raw[pos])) pos++
    }
    const parseString = (): string => {
      JSON_STRING.lastIndex = pos
      const match = JSON_STRING.exec(raw) ?? fail("Invalid string")
      const text: string = JSON.parse(match[0])
      if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) fail("Unpaired UTF-16 surrogate")
      pos += match[0].length
      return text
    }
    const parseValue = (depth: number): PhpValue => {
      skipWhitespace()
      const c = raw[pos]
      if (c === "{" || c === "[") {
        if (depth === 511) fail("Maximum nesting depth exceeded")
        pos++
        const close = c === "{" ? "}" : "]"
        const result: PhpArray = new Map()
        skipWhitespace()
        if (raw[pos] === close) {
          pos++
          return result
        }
        for (let index = 0; ; index++) {
          if (c === "{") {
            skipWhitespace()
            if (raw[pos] !== '"') fail("Expected a key")
            const key = phpKey(parseString())
            if (options.rejectDuplicateKeys && result.has(key)) fail(`Duplicate key ${JSON.stringify(key)}`)
            skipWhitespace()
            if (raw[pos++] !== ":") fail("Expected ':'")
            result.set(key, parseValue(depth + 1))
          } else {
            result.set(index, parseValue(depth + 1))
          }
          skipWhitespace()
          const next = raw[pos++]
          if (next === close) return result
          if (next !== ",") fail(`Expected ',' or '${close}'`)
        }
      }
      if (c === '"') return parseString()
      for (const [literal, value] of [["true", true], ["false", false], ["null", null]] as const) {
        if (raw.startsWith(literal, pos)) {
          pos += literal.length
          return value
        }
      }
      JSON_NUMBER.lastIndex = pos
      const number = JSON_NUMBER.exec(raw) ?? fail("Unexpected token")
      pos += number[0].length
      const [lexeme, fraction, exponent] = number
      if (fraction === undefined && exponent === undefined && (options.unboundedIntegers || inInt64(BigInt(lexeme)))) {
        return new PhpInt(BigInt(lexeme))
      }
      return new PhpFloat(Number(lexeme))
    }
    const value = parseValue(0)
    skipWhitespace()
    if (pos !== raw.length) fail("Unexpected data after JSON")
    return value
  }

  /** phpToString of a float: dtoa mode 2 from the exact decimal expansion, laid out as php_gcvt. */
  function floatString(x: number): string {
    if (Number.isNaN(x)) return "NAN"
    if (!Number.isFinite(x)) return x > 0 ? "INF" : "-INF"
    const sign = x < 0 || Object.is(x, -0) ? "-" : ""
    if (x === 0) return `${sign}0`
    const view = new DataView(new ArrayBuffer(8))
    view.setFloat64(0, Math.abs(x))
    const bits = view.getBigUint64(0)
    const exponentBits = Number((bits >> 52n) & 0x7ffn)
    let mantissa = bits & ((1n << 52n) - 1n)
    let exponent: number
    if (exponentBits === 0) {
      exponent = -1074
    } else {
      mantissa |= 1n << 52n
      exponent = exponentBits - 1075
    }
    const scaled = exponent >= 0 ? mantissa << BigInt(exponent) : mantissa * 5n ** BigInt(-exponent)
    const text = scaled.toString()
    const decimals = exponent >= 0 ? 0 : -exponent
    const stripped = text.replace(/^0+/, "")
    let digits = stripped
    let decpt = text.length - decimals - (text.length - stripped.length)
    if (digits.length <= 14) {
      digits = digits.replace(/0+$/, "") || "0"
    } else {
      let kept = BigInt(digits.slice(0, 14))
      const rest = digits.slice(14)
      const half = "5" + "0".repeat(rest.length - 1)
      const cmp = rest === half ? 0 : rest > half ? 1 : -1
      if (cmp > 0 || (cmp === 0 && kept % 2n === 1n)) kept += 1n
      let keptText = kept.toString()
      if (keptText.length > 14) {
        keptText = keptText.slice(0, 14)
        decpt++
      }
      digits = keptText.replace(/0+$/, "") || "0"
    }
    if (decpt < 0 ? decpt < -3 : decpt > 14) {
      const e = decpt - 1
      return `${sign}${digits[0]}.${digits.slice(1) || "0"}E${e < 0 ? "-" : "+"}${Math.abs(e)}`
    }
    if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`
    const fraction = digits.slice(decpt)
    return `${sign}${digits.slice(0, decpt).padEnd(decpt, "0")}${fraction ? `.${fraction}` : ""}`
  }

  function jsonString(text: string): string {
    let out = '"'
    for (const ch of text) {
      const code = ch.codePointAt(0)!
      if (ch === '"') out += '\\"'
      else if (ch === "\\") out += "\\\\"
      else if (ch === "/") out += "\\/"
      else if (ch === "\b") out += "\\b"
      else if (ch === "\f") out += "\\f"
      else if (ch === "\n") out += "\\n"
      else if (ch === "\r") out += "\\r"
      else if (ch === "\t") out += "\\t"
      else if (code < 0x20 || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, "0")}`
      else out += ch
    }
    return out + '"'
  }

  type PhpNumber = { int: bigint } | { float: number; overflow: -1 | 0 | 1 }
  function phpNumber(text: string): PhpNumber | undefined {
    const match = /^[ \t\n\r\v\f]*([+-]?(?:([0-9]+)|[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[ \t\n\r\v\f]*$/.exec(text)
    if (!match) return undefined
    const [, number, integerDigits] = match
    if (integerDigits !== undefined && !/[eE]/.test(number)) {
      const n = BigInt(number)
      if (inInt64(n)) return { int: n }
      return { float: Number(number), overflow: n < 0n ? -1 : 1 }
    }
    return { float: Number(number), overflow: 0 }
  }
  const sign = (x: number | bigint) => (x > 0 ? 1 : x < 0 ? -1 : 0)
  const compareBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))
  function compareStrings(a: string, b: string): number {
    const na = phpNumber(a)
    const nb = phpNumber(b)
    if (!na || !nb) return compareBytes(a, b)
    if ("int" in na && "int" in nb) return sign(na.int - nb.int)
    if ("int" in na) return "overflow" in nb && nb.overflow ? -nb.overflow : sign(Number(na.int) - (nb as { float: number }).float)
    if ("int" in nb) return na.overflow ? na.overflow : sign(na.float - Number(nb.int))
    const sameOverflow = na.overflow !== 0 && na.overflow === nb.overflow && na.float === nb.float
    if (sameOverflow || (na.float === nb.float && !Number.isFinite(na.float))) return compareBytes(a, b)
    return sign(na.float - nb.float)
  }
  function compareIntToString(int: bigint, text: string): number {
    const n = phpNumber(text)
    if (!n) return compareBytes(int.toString(), text)
    if ("int" in n) return sign(int - n.int)
    return sign(Number(int) - n.float)
  }
  function compareKeys(a: PhpKey, b: PhpKey): number {
    const intA = intKeyValue(a)
    const intB = intKeyValue(b)
    if (intA !== undefined && intB !== undefined) return sign(intA - intB)
    if (intA !== undefined) return compareIntToString(intA, b as string)
    if (intB !== undefined) return -compareIntToString(intB, a as string)
    return compareStrings(a as string, b as string)
  }
  const phpKsort = (array: PhpArray): PhpArray => new Map([...array.entries()].sort(([a], [b]) => compareKeys(a, b)))

  return { phpKey, phpJsonDecode, floatString, jsonString, phpKsort }
})()

/** A call's value, or the error it throws (its class and message). */
const outcome = <T>(fn: () => T) => {
  try {
    return { value: fn() }
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message }
  }
}

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code))

/** Keys and texts where PHP's number and key rules have their edges: signs, zeros, int64's and 2^53's limits, exponents, blanks, non-ASCII. */
const edgyText = fc.oneof(
  fc.constantFrom(
    "", "0", "-0", "00", "01", "1", "-1", "+1", " 1", "1 ", "1.0", "1.5", ".5", "5.", "1e3", "1E3", "-1e400", "1e400", "9.5", "10", "10a", "9a",
    "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993", "999999999999999", "1000000000000000", "-99999999999999",
    "999999999999999999", "-999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "99999999999999999999", "100000000000000000000", "a", "b", "Z", "_", "sign", "\uffff", "\ue000", "\ud800", "\udc00", "😀", "é", "Иван"
  ),
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
  fc.string({ unit: fc.constantFrom("0", "1", "9", "-", "+", ".", "e", " ", "a"), maxLength: 20 }),
  fc.string({ unit: codeUnit, maxLength: 4 })
)

describe("fast paths agree with the implementations they replaced", () => {
  it("property: phpKey", () => {
    fc.assert(fc.property(edgyText, (text) => expect(phpKey(text)).toStrictEqual(oracle.phpKey(text))), { numRuns: 20000 })
  })

  it("property: phpToString of a float (precision=14, round half to even)", () => {
    const double = fc.oneof(
      fc.double(),
      // decimals as gateways write them, and ones with 13 to 17 significant digits (where the shortest digits stop fitting)
      fc.tuple(fc.integer({ min: -(10 ** 9), max: 10 ** 9 }), fc.integer({ min: 0, max: 8 })).map(([n, k]) => n / 10 ** k),
      fc.tuple(fc.bigInt({ min: 10n ** 12n, max: 10n ** 17n }), fc.integer({ min: -30, max: 30 })).map(([n, e]) => Number(`${n}e${e}`)),
      // halfway cases at 14 digits: exact doubles with a 15th digit 5
      fc.bigInt({ min: 10n ** 13n, max: 10n ** 14n }).map((n) => Number(n * 10n + 5n)),
      // subnormals and the smallest normals
      fc.double({ min: 0, max: 2 ** -1020, noNaN: true }),
      fc.integer({ min: -1074, max: 1023 }).map((e) => 2 ** e)
    )
    fc.assert(fc.property(double, (x) => expect(phpToString(new PhpFloat(x))).toBe(oracle.floatString(x))), { numRuns: 30000 })
  })

  it("property: json_encode of a string", () => {
    const text = fc.oneof(fc.string({ unit: codeUnit, maxLength: 12 }), fc.string({ unit: fc.constantFrom("a", "/", '"', "\\", "\n", "\u0001", "\u2028", "😀", "é"), maxLength: 8 }))
    fc.assert(fc.property(text, (text) => expect(phpJsonEncode(text)).toBe(oracle.jsonString(text))), { numRuns: 20000 })
  })

  it("property: ksort", () => {
    const array = fc.array(edgyText, { maxLength: 12 }).map((texts) => new Map(texts.map((text, i) => [phpKey(text), i])) as PhpArray)
    fc.assert(
      fc.property(array, (array) => expect([...phpKsort(array)]).toStrictEqual([...oracle.phpKsort(array)])),
      { numRuns: 20000 }
    )
  })

  it("property: json_decode, values and refusals (with their messages)", () => {
    // JSON with whitespace of every kind between tokens, escapes, big and small numbers, duplicate and int-like keys,
    // then cut or spliced to reach the refusals
    const ws = fc.string({ unit: fc.constantFrom(" ", "\t", "\n", "\r", "\u00a0", "\v"), maxLength: 2 })
    const stringLexeme = fc.oneof(
      fc.string({ unit: codeUnit, maxLength: 6 }).map((text) => JSON.stringify(text)),
      fc.string({ unit: fc.constantFrom("a", "\\n", "\\u0061", "\\ud83d\\ude00", "\\ud800", "\\udc00", "\\/", '\\"', "\\x", "é", "\t"), maxLength: 4 }).map((inner) => `"${inner}"`),
      edgyText.map((text) => JSON.stringify(text))
    )
    const numberLexeme = fc.oneof(
      fc.constantFrom("0", "-0", "01", "1.", "1.50", "1e400", "-1e-400", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1E+2", "-", "+1", ".5"),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }).map(String)
    )
    const { value } = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        stringLexeme,
        numberLexeme,
        fc.constantFrom("true", "false", "null", "nul", "True"),
        fc.tuple(ws, fc.array(fc.tuple(tie("value"), ws), { maxLength: 4 }), ws).map(([a, items, b]) => `[${a}${items.map(([v, w]) => v + w).join(",")}${b}]`),
        fc
          .tuple(ws, fc.array(fc.tuple(fc.oneof(stringLexeme, fc.constantFrom('"a"', '"1"')), ws, tie("value"), ws), { maxLength: 4 }))
          .map(([a, members]) => `{${a}${members.map(([k, w, v, w2]) => `${k}${w}:${w}${v}${w2}`).join(",")}}`)
      ),
    }))
    const raw = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(ws, value, ws).map((parts) => parts.join("")) },
      { weight: 1, arbitrary: fc.tuple(value, fc.nat(), fc.constantFrom("", ",", "}", "]", '"', " x")).map(([text, at, splice]) => text.slice(0, at % (text.length + 1)) + splice) }
    )
    const options = fc.record({ rejectDuplicateKeys: fc.boolean(), unboundedIntegers: fc.boolean() })
    let decoded = 0
    let refused = 0
    fc.assert(
      fc.property(raw, options, (raw, options) => {
        const fast = outcome(() => phpJsonDecode(raw, options))
        expect(fast).toStrictEqual(outcome(() => oracle.phpJsonDecode(raw, options)))
        if ("value" in fast) decoded++
        else refused++
      }),
      { numRuns: 20000 }
    )
    expect(decoded).toBeGreaterThan(3000)
    expect(refused).toBeGreaterThan(2000)
  })
})
