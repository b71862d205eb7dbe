import { createHash, createHmac } from "node:crypto"
import { BodyValue, JsonLexeme } from "./body-text"

/**
 * The sandbox's own signers, written from the gateway docs (gateway-docs/*.txt) and sharing no
 * code with the plugin, so that each side checks the other (__tests__/signers.unit.spec.ts).
 * They cover what the sandbox itself sends and receives, and throw on anything else.
 */

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex")

/**
 * Romb (romb.txt, `verifySignature`): drop `sign`, ksort, `key=value` joined with `&` (arrays as
 * `json_encode($value, JSON_UNESCAPED_UNICODE)`), rtrim `&`, HMAC-SHA256 hex. Values are what PHP
 * reads from the body the sandbox writes (body-text.ts): `json_decode($raw, true)` for "json",
 * `$_POST` for "form". Handles field names like `order_id`, top-level strings, numbers, booleans
 * and nulls, and a flat object (`data`) of strings and nulls.
 */
export function rombSignatureBase(fields: Record<string, BodyValue>, format: "json" | "form"): string {
  const entries: Array<[string, string]> = []
  for (const [key, value] of Object.entries(fields)) {
    if (!FIELD_NAME.test(key)) throw new Error(`Romb signer: unsupported field name ${JSON.stringify(key)}`)
    if (key === "sign" || (format === "form" && value === null)) continue // a form leaves nulls out
    if (value === null || typeof value !== "object" || value instanceof JsonLexeme) {
      entries.push([key, format === "json" ? phpScalar(value) : formScalar(value)])
      continue
    }
    const members = Object.entries(value).filter(([, v]) => format === "json" || v !== null)
    if (members.length === 0 && format === "form") continue // an empty array is not posted at all
    entries.push([key, phpJsonEncode(members)])
  }
  // our keys are never numeric strings, so PHP's ksort is a plain byte-order sort
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return entries.map(([key, value]) => `${key}=${value}`).join("&").replace(/&+$/, "")
}

export function rombSignature(fields: Record<string, BodyValue>, format: "json" | "form", secret: string): string {
  return createHmac("sha256", secret).update(rombSignatureBase(fields, format), "utf8").digest("hex")
}

/** A form value as PHP's $_POST holds it: the text formText wrote. */
function formScalar(value: BodyValue): string {
  if (value instanceof JsonLexeme) return value.text
  if (typeof value === "boolean") return value ? "1" : "0"
  return String(value)
}

/** A json_decode'd scalar concatenated to a string: true "1", false/null "", numbers as below. */
function phpScalar(value: BodyValue): string {
  if (value === null || value === false) return ""
  if (value === true) return "1"
  if (typeof value === "string") return value
  const text = value instanceof JsonLexeme ? value.text : String(value)
  // an integer lexeme is a PHP int while it fits in 64 bits, else a float
  if (/^-?\d+$/.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n) return BigInt(text).toString()
  return phpFloat(Number(text))
}

/** PHP's (string) of a float with `precision = 14`: %.14G, rounding half to even, e.g. 100.5, 1.0E+15. */
export function phpFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NAN" : value > 0 ? "INF" : "-INF"
  if (value === 0) return Object.is(value, -0) ? "-0" : "0"
  const sign = value < 0 ? "-" : ""
  let { digits, exponent } = exactDecimal(Math.abs(value))
  if (digits.length > 14) {
    const head = BigInt(digits.slice(0, 14))
    const rest = digits.slice(14)
    const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || head % 2n === 1n))
    digits = (up ? head + 1n : head).toString()
    if (digits.length > 14) exponent++ // 99999999999999 rounded up
  }
  digits = digits.replace(/0+$/, "")
  if (exponent < -4 || exponent >= 14) {
    return `${sign}${digits[0]}.${digits.slice(1) || "0"}E${exponent < 0 ? "-" : "+"}${Math.abs(exponent)}`
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`
  const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0")
  return digits.length > exponent + 1 ? `${sign}${integer}.${digits.slice(exponent + 1)}` : sign + integer
}

/** The exact decimal digits of a positive double and the power of ten of the first one. */
function exactDecimal(value: number): { digits: string; exponent: number } {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  const bits = view.getBigUint64(0)
  const biased = Number(bits >> 52n)
  const mantissa = (bits & (2n ** 52n - 1n)) | (biased ? 2n ** 52n : 0n)
  const power = (biased || 1) - 1075
  // m * 2^p = m * 5^-p / 10^-p
  const digits = (power >= 0 ? mantissa << BigInt(power) : mantissa * 5n ** BigInt(-power)).toString()
  return { digits, exponent: digits.length - 1 + Math.min(power, 0) }
}

/** json_encode(..., JSON_UNESCAPED_UNICODE) of a PHP array with string keys and string or null values. */
function phpJsonEncode(members: Array<[string, BodyValue]>): string {
  if (members.length === 0) return "[]"
  return `{${members
    .map(([key, value]) => {
      if (value !== null && typeof value !== "string") throw new Error(`Romb signer: ${key} must be a string or null`)
      return `${phpJsonString(key)}:${value === null ? "null" : phpJsonString(value)}`
    })
    .join(",")}}`
}

const JSON_SHORT: Record<string, string> = { '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" }

/** Escapes `"` `\` `/`, control characters and U+2028/U+2029; other characters stay as they are. */
function phpJsonString(text: string): string {
  return `"${text.replace(/["\\/\u0000-\u001f\u2028\u2029]/g, (c) => JSON_SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`
}

/**
 * RubitPay (rubitpay.txt, `make_sign`): keys but `sign` sorted, `str(value)` joined with ":", then
 * ":" + secret, SHA-256 hex. Handles strings, booleans, None and a flat object of those (`add_ons`,
 * whose str() is a Python dict repr); numbers are refused, as the doc types every field as a string.
 */
export function rubitPaySignature(params: Record<string, unknown>, secret: string): string {
  const keys = Object.keys(params)
    .filter((key) => key !== "sign")
    .sort()
  return sha256Hex(`${keys.map((key) => pythonStr(key, params[key], false)).join(":")}:${secret}`)
}

function pythonStr(key: string, value: unknown, nested: boolean): string {
  if (value === null) return "None"
  if (typeof value === "boolean") return value ? "True" : "False"
  if (typeof value === "string") return nested ? pythonRepr(value) : value
  if (!nested && typeof value === "object" && !Array.isArray(value)) {
    const members = Object.entries(value as Record<string, unknown>)
    return `{${members.map(([k, v]) => `${pythonRepr(k)}: ${pythonStr(key, v, true)}`).join(", ")}}`
  }
  throw new Error(`RubitPay signer: ${key} must be a string, a boolean, null or a flat object of those`)
}

/** Python's repr() of a str: single quotes unless it holds ' and no ", non-printables escaped. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  const escaped = text.replace(/[\\'"\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\p{Zs}]/gu, (c) => {
    if (c === "\\") return "\\\\"
    if (c === "'" || c === '"') return c === quote ? `\\${c}` : c
    if (c === " ") return c
    const short: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }
    const code = c.codePointAt(0)!
    if (short[c]) return short[c]
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`
    return code < 0x10000 ? `\\u${code.toString(16).padStart(4, "0")}` : `\\U${code.toString(16).padStart(8, "0")}`
  })
  return quote + escaped + quote
}

/** The exchanger IPN checksum (exchanger docs): sha256(orderId:newStatus:inAmount:outAmount:xml_from:xml_to:timestamp:ipnSecret). */
export function exchangerIpnHash(
  ipn: { orderId: string; newStatus: string; inAmount: string; outAmount: string; xml_from: string; xml_to: string; timestamp: string },
  ipnSecret: string
): string {
  const { orderId, newStatus, inAmount, outAmount, xml_from, xml_to, timestamp } = ipn
  return sha256Hex([orderId, newStatus, inAmount, outAmount, xml_from, xml_to, timestamp, ipnSecret].join(":"))
}
