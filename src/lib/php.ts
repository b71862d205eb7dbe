/**
 * Just enough of PHP 8's value semantics to reproduce, byte for byte, a
 * signature that a gateway's PHP reference code computes over a decoded
 * request: `json_decode($raw, true)`, `$_POST` form decoding, `ksort`,
 * string conversion (`precision=14`) and `json_encode` (`serialize_precision=-1`).
 */

export type PhpKey = string | number
export type PhpArray = Map<PhpKey, PhpValue>
export type PhpValue = string | boolean | null | PhpInt | PhpFloat | PhpArray

/** PHP keeps integers and floats apart; JSON `1500` and `1500.00` sign differently. */
export class PhpInt {
  constructor(readonly value: bigint) {}
}
export class PhpFloat {
  constructor(readonly value: number) {}
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** PHP turns decimal-integer string keys ("12", "-3", not "012") into int keys. */
function normalizeKey(key: string): PhpKey {
  if (/^(0|-?[1-9][0-9]*)$/.test(key) && key !== "-0") {
    const big = BigInt(key)
    if (big >= INT64_MIN && big <= INT64_MAX && Number.isSafeInteger(Number(big))) {
      return Number(big)
    }
  }
  return key
}

// ---------------------------------------------------------------- decoding

/** `json_decode($raw, true)`; throws SyntaxError on invalid JSON. */
const JSON_STRING = /"((?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"/y
const JSON_NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y

export function phpJsonDecode(raw: string): PhpValue {
  let pos = 0
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${pos}`)
  }
  const skipWhitespace = () => {
    while (pos < raw.length && " \t\n\r".includes(raw[pos])) pos++
  }
  const parseString = (): string => {
    JSON_STRING.lastIndex = pos
    const match = JSON_STRING.exec(raw)
    if (!match) fail("Invalid string")
    pos += match![0].length
    return JSON.parse(match![0])
  }
  const parseValue = (): PhpValue => {
    skipWhitespace()
    const c = raw[pos]
    if (c === "{") {
      pos++
      const result: PhpArray = new Map()
      skipWhitespace()
      if (raw[pos] === "}") {
        pos++
        return result
      }
      for (;;) {
        skipWhitespace()
        if (raw[pos] !== '"') fail("Expected a key")
        const key = normalizeKey(parseString())
        skipWhitespace()
        if (raw[pos++] !== ":") fail("Expected ':'")
        result.set(key, parseValue())
        skipWhitespace()
        const next = raw[pos++]
        if (next === "}") return result
        if (next !== ",") fail("Expected ',' or '}'")
      }
    }
    if (c === "[") {
      pos++
      const result: PhpArray = new Map()
      skipWhitespace()
      if (raw[pos] === "]") {
        pos++
        return result
      }
      for (let index = 0; ; index++) {
        result.set(index, parseValue())
        skipWhitespace()
        const next = raw[pos++]
        if (next === "]") return result
        if (next !== ",") fail("Expected ',' or ']'")
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
    const number = JSON_NUMBER.exec(raw)
    if (!number) fail("Unexpected token")
    pos += number![0].length
    if (number![2] === undefined && number![3] === undefined) {
      const big = BigInt(number![0])
      // json_decode turns integers beyond int64 into floats
      return big >= INT64_MIN && big <= INT64_MAX ? new PhpInt(big) : new PhpFloat(Number(number![0]))
    }
    return new PhpFloat(Number(number![0]))
  }
  const value = parseValue()
  skipWhitespace()
  if (pos !== raw.length) fail("Unexpected data after JSON")
  return value
}

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "))
  } catch {
    return text.replace(/\+/g, " ")
  }
}

/** `$_POST` for an application/x-www-form-urlencoded body, bracket nesting included. */
export function phpFormDecode(raw: string): PhpArray {
  const result: PhpArray = new Map()
  for (const pair of raw.split("&")) {
    if (!pair) continue
    const eq = pair.indexOf("=")
    const name = decodeFormComponent(eq === -1 ? pair : pair.slice(0, eq))
    const value = decodeFormComponent(eq === -1 ? "" : pair.slice(eq + 1))
    const path = phpVariablePath(name)
    if (path) assignPath(result, path, value)
  }
  return result
}

/** `a.b[x][]` -> ["a_b", "x", null]; PHP mangles ' ' and '.' in the base name. */
function phpVariablePath(name: string): Array<string | null> | undefined {
  const trimmed = name.replace(/^ +/, "")
  const open = trimmed.indexOf("[")
  const baseEnd = open === -1 ? trimmed.length : open
  const base = trimmed.slice(0, baseEnd).replace(/[ .]/g, "_")
  if (!base) return undefined
  const path: Array<string | null> = [base]
  let rest = trimmed.slice(baseEnd)
  while (rest.startsWith("[")) {
    const close = rest.indexOf("]")
    if (close === -1) {
      // an unterminated '[' ends the parsing; PHP keeps only the base part
      break
    }
    const index = rest.slice(1, close)
    path.push(index === "" ? null : index)
    rest = rest.slice(close + 1)
  }
  return path
}

function assignPath(target: PhpArray, path: Array<string | null>, value: string) {
  let current = target
  path.forEach((segment, i) => {
    const key = segment === null ? nextIndex(current) : normalizeKey(segment)
    if (i === path.length - 1) {
      current.set(key, value)
      return
    }
    let child = current.get(key)
    if (!(child instanceof Map)) {
      child = new Map()
      current.set(key, child)
    }
    current = child
  })
}

function nextIndex(array: PhpArray): number {
  let max = -1
  for (const key of array.keys()) {
    if (typeof key === "number" && key > max) max = key
  }
  return max + 1
}

// ----------------------------------------------------------- serialization

/** The exact decimal expansion of a finite double: digits and decimal exponent. */
function exactDecimal(x: number): { digits: string; decpt: number } {
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
  return { digits: stripped, decpt: text.length - decimals - (text.length - stripped.length) }
}

/** dtoa mode 2: `ndigit` significant digits, round half to even, trailing zeros dropped. */
function roundedDigits(x: number, ndigit: number): { digits: string; decpt: number } {
  const { digits, decpt } = exactDecimal(x)
  if (digits.length <= ndigit) {
    return { digits: digits.replace(/0+$/, "") || "0", decpt }
  }
  let kept = BigInt(digits.slice(0, ndigit))
  const rest = digits.slice(ndigit)
  const half = "5" + "0".repeat(rest.length - 1)
  const cmp = rest === half ? 0 : rest > half ? 1 : -1
  if (cmp > 0 || (cmp === 0 && kept % 2n === 1n)) kept += 1n
  let keptText = kept.toString()
  let point = decpt
  if (keptText.length > ndigit) {
    keptText = keptText.slice(0, ndigit)
    point++
  }
  return { digits: keptText.replace(/0+$/, "") || "0", decpt: point }
}

/** dtoa mode 0: the shortest digits that read back as the same double. */
function shortestDigits(x: number): { digits: string; decpt: number } {
  const [mantissa, exp] = Math.abs(x).toExponential().split("e")
  return { digits: mantissa.replace(".", ""), decpt: Number(exp) + 1 }
}

/** PHP's php_gcvt layout of dtoa digits. */
function gcvt(x: number, mode: 0 | 2, ndigit: number, expChar: "E" | "e"): string {
  if (Number.isNaN(x)) return "NAN"
  if (!Number.isFinite(x)) return x > 0 ? "INF" : "-INF"
  const sign = x < 0 || Object.is(x, -0) ? "-" : ""
  if (x === 0) return `${sign}0`
  const { digits, decpt } = mode === 0 ? shortestDigits(x) : roundedDigits(x, ndigit)
  if (decpt < 0 ? decpt < -3 : decpt > ndigit) {
    const exponent = decpt - 1
    const fraction = digits.slice(1) || "0"
    return `${sign}${digits[0]}.${fraction}${expChar}${exponent < 0 ? "-" : "+"}${Math.abs(exponent)}`
  }
  if (decpt <= 0) {
    return `${sign}0.${"0".repeat(-decpt)}${digits}`
  }
  const integer = digits.slice(0, decpt).padEnd(decpt, "0")
  const fraction = digits.slice(decpt)
  return `${sign}${integer}${fraction ? `.${fraction}` : ""}`
}

/** PHP's `(string)` / concatenation of a scalar (arrays are the caller's business). */
export function phpToString(value: Exclude<PhpValue, PhpArray>): string {
  if (value === null || value === false) return ""
  if (value === true) return "1"
  if (value instanceof PhpInt) return value.value.toString()
  if (value instanceof PhpFloat) return gcvt(value.value, 2, 14, "E")
  return value
}

function jsonEscapeString(text: string): string {
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
    else if (code < 0x20 || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, "0")}`
    else out += ch
  }
  return out + '"'
}

function isList(array: PhpArray): boolean {
  let expected = 0
  for (const key of array.keys()) {
    if (key !== expected++) return false
  }
  return true
}

/** `json_encode($value, JSON_UNESCAPED_UNICODE)` */
export function phpJsonEncode(value: PhpValue): string {
  if (value === null) return "null"
  if (value === true) return "true"
  if (value === false) return "false"
  if (value instanceof PhpInt) return value.value.toString()
  if (value instanceof PhpFloat) return gcvt(value.value, 0, 17, "e")
  if (typeof value === "string") return jsonEscapeString(value)
  if (isList(value)) {
    return `[${[...value.values()].map(phpJsonEncode).join(",")}]`
  }
  return `{${[...value.entries()]
    .map(([key, item]) => `${jsonEscapeString(String(key))}:${phpJsonEncode(item)}`)
    .join(",")}}`
}

// ------------------------------------------------------------------- ksort

const NUMERIC_STRING = /^[ \t\n\r\v\f]*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t\n\r\v\f]*$/

function compareStrings(a: string, b: string): number {
  const ba = Buffer.from(a, "utf8")
  const bb = Buffer.from(b, "utf8")
  return Buffer.compare(ba, bb)
}

/** PHP 8 `ksort` with SORT_REGULAR: numeric strings compare as numbers. */
function compareKeys(a: PhpKey, b: PhpKey): number {
  const aNumeric = typeof a === "number" || NUMERIC_STRING.test(a)
  const bNumeric = typeof b === "number" || NUMERIC_STRING.test(b)
  if (aNumeric && bNumeric) {
    // equal numbers ("1" and "1.0") keep their order: PHP 8's sort is stable
    return Math.sign(Number(a) - Number(b))
  }
  return compareStrings(String(a), String(b))
}

export function phpKsort(array: PhpArray): PhpArray {
  return new Map([...array.entries()].sort(([a], [b]) => compareKeys(a, b)))
}
