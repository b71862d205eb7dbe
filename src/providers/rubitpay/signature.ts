import { sha256Hex, signaturesEqual } from "../../lib/crypto"
import { PhpFloat, PhpInt } from "../../lib/php"

/**
 * RubitPay's request and webhook signature, as the doc's Python `make_sign`
 * computes it: keys sorted, `str(value)` joined with ":", then ":" + secret,
 * SHA-256 hex. `sign` itself and absent (null/undefined) fields are left out.
 * A nested object (`add_ons`) is turned into a string the way the reference
 * code's `str()` does it: Python's dict repr, e.g. `{'inn': '7707083893'}`.
 */
export type RubitPayParams = Record<string, unknown>

/** Python's `str()` of a value decoded from JSON. */
export function pythonStr(value: unknown, nested = false): string {
  if (value === null || value === undefined) return "None"
  // numbers decoded with their JSON lexeme kept: "2990.00" is a Python float
  if (value instanceof PhpInt) return value.value.toString()
  if (value instanceof PhpFloat) return pythonFloat(value.value)
  if (value instanceof Map) {
    const isList = [...value.keys()].every((key, index) => key === index)
    return pythonStr(isList ? [...value.values()] : Object.fromEntries(value), nested)
  }
  if (value === true) return "True"
  if (value === false) return "False"
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pythonFloat(value)
  if (typeof value === "string") return nested ? pythonStringRepr(value) : value
  if (Array.isArray(value)) return `[${value.map((v) => pythonStr(v, true)).join(", ")}]`
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${pythonStringRepr(k)}: ${pythonStr(v, true)}`)
    .join(", ")}}`
}

/** repr(float): shortest round-trip digits; exponent form below 1e-4 and from 1e16. */
function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return "nan"
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf"
  const sign = value < 0 || Object.is(value, -0) ? "-" : ""
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e")
  const exponent = Number(exponentText)
  const digits = mantissa.replace(".", "")
  if (exponent < -4 || exponent >= 16) {
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`
  const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0")
  return `${sign}${integer}.${digits.slice(exponent + 1) || "0"}`
}

const PYTHON_UNPRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u

/** `\xhh`, `\uhhhh` or `\Uhhhhhhhh`, as Python's repr writes a code point it does not print. */
function pythonEscape(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, "0")}`
  return `\\U${code.toString(16).padStart(8, "0")}`
}

function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (ch === "\\") out += "\\\\"
    else if (ch === quote) out += `\\${quote}`
    else if (ch === "\n") out += "\\n"
    else if (ch === "\r") out += "\\r"
    else if (ch === "\t") out += "\\t"
    // Python's repr escapes what str.isprintable() refuses: controls, format, surrogates, private use,
    // unassigned, and separators other than the ASCII space
    else if (ch !== " " && PYTHON_UNPRINTABLE.test(ch)) out += pythonEscape(code)
    else out += ch
  }
  return out + quote
}

export function rubitPaySignatureBase(params: RubitPayParams): string {
  return Object.keys(params)
    .filter((key) => key !== "sign" && params[key] !== undefined && params[key] !== null)
    .sort()
    .map((key) => pythonStr(params[key]))
    .join(":")
}

export function rubitPaySignature(params: RubitPayParams, secret: string): string {
  return sha256Hex(`${rubitPaySignatureBase(params)}:${secret}`)
}

export function signRubitPayRequest<T extends RubitPayParams>(params: T, secret: string): T & { sign: string } {
  return { ...params, sign: rubitPaySignature(params, secret) }
}

export function verifyRubitPaySignature(params: RubitPayParams, secret: string): boolean {
  return signaturesEqual(rubitPaySignature(params, secret), params.sign)
}
