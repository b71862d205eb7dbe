/**
 * Just enough of PHP 8's value semantics to reproduce, byte for byte, a
 * signature that a gateway's PHP reference code computes over a decoded
 * request: `json_decode($raw, true)`, `$_POST` form decoding, `ksort`,
 * string conversion (`precision=14`) and `json_encode` (`serialize_precision=-1`).
 * Checked against the real PHP: src/providers/romb/__tests__/fixtures.
 */

/**
 * A PHP array key. Int keys are numbers; the rare ones beyond 2^53 are kept as
 * their decimal string, which cannot be confused with a string key because PHP
 * itself turns every such string into an int key.
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
const inInt64 = (n: bigint) => n >= INT64_MIN && n <= INT64_MAX

function keyFromInt(n: bigint): PhpKey {
  return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString()
}

/** The int a key stands for, or undefined for a string key. */
function intKeyValue(key: PhpKey): bigint | undefined {
  if (typeof key === "number") return BigInt(key)
  return isDecimalIntKey(key) ? BigInt(key) : undefined
}

const DECIMAL_INT = /^(0|-?[1-9][0-9]*)$/

/** PHP's rule for string keys that become int keys: "12", "-3"; not "012", "-0", "+1", " 1" or beyond int64. */
function isDecimalIntKey(text: string): boolean {
  // most keys are names: one look at the first character settles them
  const first = text.charCodeAt(0)
  if (first !== 0x2d && !(first >= 0x30 && first <= 0x39)) return false
  // up to 18 characters the int is below 10^18, within int64
  return DECIMAL_INT.test(text) && (text.length <= 18 || inInt64(BigInt(text)))
}

/** `$array[$text]`: the key PHP actually stores. */
export function phpKey(text: string): PhpKey {
  if (!isDecimalIntKey(text)) return text
  // up to 15 characters the int is below 10^15, safe as a number: no BigInt needed (list indexes, ids)
  return text.length <= 15 ? Number(text) : keyFromInt(BigInt(text))
}

// ---------------------------------------------------------------- decoding

const JSON_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y
const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const JSON_LITERALS = [["true", true], ["false", false], ["null", null]] as const
/** json_decode's default depth 512 admits 511 nested arrays/objects (checked with PHP 8.2). */
const JSON_MAX_NESTING = 511

/** JSON's insignificant whitespace: space, tab, LF, CR (NaN, past the end, is none). */
const isJsonWhitespace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d

/**
 * `json_decode($raw, true)`; throws SyntaxError where PHP would return null.
 * `rejectDuplicateKeys`: also where a name repeats in an object, which PHP
 * and `JSON.parse` both resolve (last wins) but a signed body must not hold.
 * `unboundedIntegers`: Python's `json.loads` instead, whose integers have no
 * int64 limit (the JSON grammar and the int/float split are otherwise the same).
 */
export function phpJsonDecode(
  raw: string,
  options: { rejectDuplicateKeys?: boolean; unboundedIntegers?: boolean } = {}
): PhpValue {
  let pos = 0
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${pos}`)
  }
  const skipWhitespace = () => {
    while (isJsonWhitespace(raw.charCodeAt(pos))) pos++
  }
  const parseString = (): string => {
    JSON_STRING.lastIndex = pos
    const lexeme = (JSON_STRING.exec(raw) ?? fail("Invalid string"))[0]
    // without a backslash the string is its lexeme's inside (JSON.parse would only copy it)
    const text: string = lexeme.includes("\\") ? JSON.parse(lexeme) : lexeme.slice(1, -1)
    // PHP refuses "\ud800" alone (JSON_ERROR_UTF16); JSON.parse would accept it
    if (UNPAIRED_SURROGATE.test(text)) fail("Unpaired UTF-16 surrogate")
    pos += lexeme.length
    return text
  }
  const parseValue = (depth: number): PhpValue => {
    skipWhitespace()
    const c = raw[pos]
    if (c === "{" || c === "[") {
      if (depth === JSON_MAX_NESTING) fail("Maximum nesting depth exceeded")
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
          // a duplicate key keeps its first position and takes the last value
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
    for (const [literal, value] of JSON_LITERALS) {
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
    // a fraction or exponent makes a float, and so does an integer beyond int64 (in PHP)
    return new PhpFloat(Number(lexeme))
  }
  const value = parseValue(0)
  skipWhitespace()
  if (pos !== raw.length) fail("Unexpected data after JSON")
  return value
}

/** php.ini defaults that shape `$_POST` */
const MAX_INPUT_VARS = 1000
const MAX_INPUT_NESTING_LEVEL = 64
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/**
 * `php_url_decode`: "+" is a space, "%XX" a byte, a malformed "%" stays as is.
 * PHP strings are bytes; only UTF-8 ones can be represented (and signed) here.
 */
function urlDecode(text: string, cutAtNul: boolean): string {
  let bytes = Buffer.from(text, "utf8")
    .toString("latin1")
    .replace(/\+/g, " ")
    .replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  // a variable name is a C string to PHP: "%00" ends it
  if (cutAtNul) bytes = bytes.split("\0")[0]
  try {
    return UTF8.decode(Buffer.from(bytes, "latin1"))
  } catch {
    throw new SyntaxError(`Form field ${JSON.stringify(text)} is not UTF-8 once percent-decoded`)
  }
}

/**
 * `$_POST` for an application/x-www-form-urlencoded body (PHP's
 * `add_post_vars`): every leaf is a string, `a[x][]` nests. Throws SyntaxError
 * for bytes that are not UTF-8.
 */
export function phpFormDecode(raw: string): PhpArray {
  const result: PhpArray = new Map()
  const pairs = raw.split("&")
  if (pairs[pairs.length - 1] === "") pairs.pop()
  // PHP stops after the pair that exceeds max_input_vars; empty pairs count
  for (const pair of pairs.slice(0, MAX_INPUT_VARS + 1)) {
    const eq = pair.indexOf("=")
    const name = urlDecode(eq === -1 ? pair : pair.slice(0, eq), true)
    registerVariable(result, name, urlDecode(eq === -1 ? "" : pair.slice(eq + 1), false))
  }
  return result
}

/** `php_register_variable_ex`: `$_POST[name] = value`, name parsed as PHP does. */
function registerVariable(target: PhpArray, rawName: string, value: string) {
  const name = rawName.replace(/^ +/, "")
  let open = name.indexOf("[")
  // ' ' and '.' are not allowed in a PHP variable name
  let base = (open === -1 ? name : name.slice(0, open)).replace(/[ .]/g, "_")
  if (!base) return
  const indexes: Array<string | null> = []
  while (open !== -1 && name[open] === "[") {
    if (indexes.length === MAX_INPUT_NESTING_LEVEL) {
      // too deep: PHP drops the whole variable, earlier values included
      target.delete(phpKey(base))
      return
    }
    const close = name.indexOf("]", open + 1)
    if (close === -1) {
      // an unterminated first '[' is part of the name ("a[b" is "a_b"); a later one is ignored
      if (indexes.length === 0) base += `_${name.slice(open + 1).replace(/[ .[]/g, "_")}`
      break
    }
    indexes.push(close === open + 1 ? null : name.slice(open + 1, close))
    // anything after a ']' other than '[' is ignored
    open = close + 1
  }
  let array = target
  let key: PhpKey | undefined = phpKey(base)
  for (const index of indexes) {
    const existing = array.get(key)
    const child: PhpArray = existing instanceof Map ? existing : new Map()
    array.set(key, child)
    array = child
    key = index === null ? nextIndex(array) : phpKey(index)
    if (key === undefined) return
  }
  array.set(key, value)
}

/** The key `$array[] = ...` takes: one past the largest int key (PHP 8.2: -4 after -5), 0 without one. */
function nextIndex(array: PhpArray): PhpKey | undefined {
  let max: bigint | undefined
  for (const key of array.keys()) {
    const n = intKeyValue(key)
    if (n !== undefined && (max === undefined || n > max)) max = n
  }
  if (max === undefined) return 0
  // after PHP_INT_MAX there is no next key: PHP drops the value
  return max < INT64_MAX ? keyFromInt(max + 1n) : undefined
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

/** The smallest positive normal double: below it the spacing of doubles no longer shrinks with them. */
const MIN_NORMAL = 2 ** -1022

/** dtoa mode 2: `ndigit` significant digits, round half to even, trailing zeros dropped. */
function roundedDigits(x: number, ndigit: number): { digits: string; decpt: number } {
  // The shortest digits that read back as a normal x, when they are no more than ndigit <= 15, are already
  // x rounded to ndigit digits: they lie within half an ulp of x (< 1.2e-16 of it), and the ndigit-digit
  // neighbours of x are at least half a step (>= 5e-16 of it) away, so the rounding can land nowhere else
  // and no tie arises. Gateways' amounts ("1790.50") all take this way, not the BigInt expansion.
  if (ndigit <= 15 && Math.abs(x) >= MIN_NORMAL) {
    const shortest = shortestDigits(x)
    if (shortest.digits.length <= ndigit) return shortest
  }
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

/** What json_encode escapes; a string without any is encoded as itself, quoted. */
const JSON_ESCAPED = /["\\/\u0000-\u001f\u2028\u2029]/

function jsonEscapeString(text: string): string {
  if (!JSON_ESCAPED.test(text)) return `"${text}"`
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
    // U+2028/U+2029 too: JSON_UNESCAPED_LINE_TERMINATORS is not set
    else if (code < 0x20 || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, "0")}`
    else out += ch
  }
  return out + '"'
}

/** zend_array_is_list: keys 0, 1, 2... in that order (an empty array is a list). */
function isList(array: PhpArray): boolean {
  let expected = 0
  for (const key of array.keys()) {
    if (key !== expected++) return false
  }
  return true
}

/**
 * `json_encode($value, JSON_UNESCAPED_UNICODE)`, or false where PHP fails
 * (an INF float, e.g. from a JSON `1e400`), which `.` then turns into "".
 */
export function phpJsonEncode(value: PhpValue): string | false {
  if (value === null) return "null"
  if (value === true) return "true"
  if (value === false) return "false"
  if (value instanceof PhpInt) return value.value.toString()
  if (value instanceof PhpFloat) return Number.isFinite(value.value) ? gcvt(value.value, 0, 17, "e") : false
  if (typeof value === "string") return jsonEscapeString(value)
  const list = isList(value)
  const parts: string[] = []
  for (const [key, item] of value) {
    const encoded = phpJsonEncode(item)
    if (encoded === false) return false
    parts.push(list ? encoded : `${jsonEscapeString(String(key))}:${encoded}`)
  }
  return list ? `[${parts.join(",")}]` : `{${parts.join(",")}}`
}

// ------------------------------------------------------------------- ksort

/** How `is_numeric_string` reads a string: an int64, a float (with the side an integer overflowed to), or nothing. */
type PhpNumber = { int: bigint } | { float: number; overflow: -1 | 0 | 1 }

const NUMERIC_STRING = /^[ \t\n\r\v\f]*([+-]?(?:([0-9]+)|[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[ \t\n\r\v\f]*$/

function phpNumber(text: string): PhpNumber | undefined {
  const match = NUMERIC_STRING.exec(text)
  if (!match) return undefined
  const [, number, integerDigits] = match
  if (integerDigits !== undefined && !/[eE]/.test(number)) {
    const n = BigInt(number)
    if (inInt64(n)) return { int: n }
    return { float: Number(number), overflow: n < 0n ? -1 : 1 }
  }
  return { float: Number(number), overflow: 0 }
}

function sign(x: number | bigint): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0
}

/**
 * zend_binary_strcmp of the strings' UTF-8 bytes, without encoding them: up to the first code unit that
 * differs both are the same units, hence the same bytes; two units below the surrogates order as their code
 * points do, hence as their UTF-8 bytes. Only a surrogate there (a pair, or a lone one that Buffer.from
 * writes as U+FFFD) takes the bytes themselves.
 */
function compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const ca = a.charCodeAt(i)
    const cb = b.charCodeAt(i)
    if (ca !== cb) {
      if (ca < 0xd800 && cb < 0xd800) return ca < cb ? -1 : 1
      return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))
    }
  }
  // a prefix is less (a lone high surrogate at its end, U+FFFD's bytes, is less than any 4-byte sequence too)
  return sign(a.length - b.length)
}

/** A key as ksort compares it, read once for the whole sort: its int value, or how is_numeric_string reads it. */
type SortKey = { key: PhpKey; text: string; int: bigint | undefined; number: PhpNumber | undefined }

function sortKey(key: PhpKey): SortKey {
  const int = intKeyValue(key)
  const text = String(key)
  return { key, text, int, number: int === undefined ? phpNumber(text) : undefined }
}

/** zendi_smart_strcmp: two numeric strings compare as numbers, anything else bytewise. */
function compareStrings(a: SortKey, b: SortKey): number {
  const na = a.number
  const nb = b.number
  if (!na || !nb) return compareBytes(a.text, b.text)
  if ("int" in na && "int" in nb) return sign(na.int - nb.int)
  if ("int" in na) return "overflow" in nb && nb.overflow ? -nb.overflow : sign(Number(na.int) - (nb as { float: number }).float)
  if ("int" in nb) return na.overflow ? na.overflow : sign(na.float - Number(nb.int))
  // integers overflowed to the same double, or two equal infinities, are told apart as strings
  const sameOverflow = na.overflow !== 0 && na.overflow === nb.overflow && na.float === nb.float
  if (sameOverflow || (na.float === nb.float && !Number.isFinite(na.float))) return compareBytes(a.text, b.text)
  return sign(na.float - nb.float)
}

/** zend_compare(int, string): numerically when the string is numeric, else as strings (the int as its digits). */
function compareIntToString(int: bigint, intKey: SortKey, text: SortKey): number {
  const n = text.number
  if (!n) return compareBytes(intKey.text, text.text)
  if ("int" in n) return sign(int - n.int)
  return sign(Number(int) - n.float)
}

/** PHP 8 ksort's SORT_REGULAR comparison (php_array_key_compare_unstable_i). */
function compareKeys(a: SortKey, b: SortKey): number {
  if (a.int !== undefined && b.int !== undefined) return sign(a.int - b.int)
  if (a.int !== undefined) return compareIntToString(a.int, a, b)
  if (b.int !== undefined) return -compareIntToString(b.int, b, a)
  return compareStrings(a, b)
}

/**
 * `ksort($array)`. Keys that compare equal ("1.0" and 1) keep their order, as
 * PHP 8's sort is stable. With keys whose comparison is not transitive (10,
 * "9.5", "10a") the result depends on the sort algorithm and may differ from PHP.
 */
export function phpKsort(array: PhpArray): PhpArray {
  const entries = [...array].map(([key, value]) => ({ key: sortKey(key), value }))
  entries.sort((a, b) => compareKeys(a.key, b.key))
  return new Map(entries.map(({ key, value }) => [key.key, value]))
}
