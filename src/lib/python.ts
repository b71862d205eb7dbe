import { PhpFloat, PhpInt } from "./php"

/**
 * Just enough of Python 3's value semantics to reproduce a signature that a
 * gateway's Python reference code computes over decoded JSON (RubitPay's
 * `make_sign`: `str(value)`). Values come from the JSON reader in
 * `php.ts`, whose int/float split is JSON's own; with `unboundedIntegers`
 * its integers are Python's. Checked against Python 3.11:
 * src/providers/rubitpay/__tests__/fixtures.
 */

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
