import { MedusaError } from "@medusajs/framework/utils"
import { PhpArray, phpJsonDecode, phpKey, PhpValue } from "./php"

/**
 * The one parse of a gateway notification. A signature is only worth
 * something if every decision is taken from exactly the structure it was
 * checked over, so a webhook is read once, from its raw bytes, by the
 * gateway's reference parser (PHP `$_POST` / `json_decode` for Romb, Python
 * `json.loads` for RubitPay, the engine's form parser for the exchanger), and
 * only in the subset of the wire format where that parser and ordinary HTTP
 * parsers (Express, `qs`) cannot disagree. Anything outside it is refused
 * before it is stored: a media type other than the one parsed, a charset
 * other than UTF-8, bytes that are not UTF-8, duplicate names, names PHP
 * would rewrite (leading space or `+`, `.`, `[`), bracket syntax where the doc
 * has flat fields, stray `&`/`=`, trailing data.
 */

export const JSON_MEDIA_TYPE = "application/json"
export const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

function refused(gateway: string, reason: string): MedusaError {
  return new MedusaError(MedusaError.Types.INVALID_DATA, `${gateway} webhook: ${reason}`)
}

/**
 * The media type of a `Content-Type` header when it is exactly one of
 * `accepted`, with no parameter but `charset=utf-8`.
 */
export function exactMediaType(gateway: string, header: string | undefined, accepted: readonly string[]): string {
  const [type, ...params] = (header ?? "").split(";")
  const mediaType = type.trim().toLowerCase()
  if (!accepted.includes(mediaType)) {
    throw refused(gateway, `Content-Type must be ${accepted.join(" or ")}, not "${header ?? ""}".`)
  }
  for (const param of params) {
    const match = /^\s*charset\s*=\s*("?)utf-8\1\s*$/i.exec(param)
    if (!match) {
      throw refused(gateway, `Content-Type parameter "${param.trim()}" is not accepted (only charset=utf-8).`)
    }
  }
  if (params.length > 1) throw refused(gateway, "Content-Type repeats its charset.")
  return mediaType
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** The request's exact bytes as UTF-8 text: a Buffer, a Buffer serialized by an event bus, or a string. */
export function rawBodyText(gateway: string, rawData: unknown): string {
  let bytes: Buffer | undefined
  if (Buffer.isBuffer(rawData)) bytes = rawData
  else if (typeof rawData === "string") bytes = Buffer.from(rawData, "utf8")
  else if (isSerializedBuffer(rawData)) bytes = Buffer.from(rawData.data)
  if (!bytes?.length) throw refused(gateway, "the raw request body is missing.")
  try {
    return UTF8.decode(bytes)
  } catch {
    throw refused(gateway, "the body is not UTF-8.")
  }
}

function isSerializedBuffer(value: unknown): value is { type: "Buffer"; data: number[] } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { type?: unknown }).type === "Buffer" &&
    Array.isArray((value as { data?: unknown }).data)
  )
}

/**
 * A JSON object as the gateway's reference decodes it (PHP `json_decode($raw,
 * true)`, or Python `json.loads`, whose integers are unbounded), refusing
 * duplicate names at any depth.
 */
export function parseStrictJsonObject(gateway: string, raw: string, reference: "php" | "python" = "php"): PhpArray {
  let decoded
  try {
    decoded = phpJsonDecode(raw, { rejectDuplicateKeys: true, unboundedIntegers: reference === "python" })
  } catch (error) {
    throw refused(gateway, `the body is not valid JSON (${(error as Error).message}).`)
  }
  if (!(decoded instanceof Map) || !/^[ \t\n\r]*\{/.test(raw)) {
    throw refused(gateway, "the body is not a JSON object.")
  }
  return decoded
}

/** A field name every parser reads alike: a letter, then letters, digits and `_`. */
export const PLAIN_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
const MAX_FIELDS = 200

export type StrictFormOptions = {
  /**
   * Fields the doc shows as nested, with how many bracket levels each may
   * have (`data[key]`: 1; `toValues[0][key]`: 2) and whether the first level
   * is a list index; every other name must be flat.
   */
  nested?: Record<string, { depth: number; indexed?: boolean }>
}

/** A bracketed key both parsers read as a name (qs turns digits into array indexes). */
const SEGMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const LIST_INDEX = /^(0|[1-9][0-9]{0,3})$/
/**
 * Names that are Object.prototype's own (`__proto__`, `constructor`,
 * `toString`…): qs drops `__proto__` and parsers that build plain objects
 * treat the rest unlike PHP's arrays; no gateway field is named so: refused.
 */
const shadowsPrototype = (name: string) => name === "__proto__" || name in Object.prototype

const MALFORMED_PERCENT = /%(?![0-9A-Fa-f]{2})/
/** An escape of a byte beyond ASCII (every "%" has two hex digits by then). */
const NON_ASCII_ESCAPE = /%[89A-Fa-f]/
const plusAsSpace = (text: string) => (text.includes("+") ? text.replace(/\+/g, " ") : text)

/**
 * Percent-decoding with `+` as space, refusing a malformed `%`, NUL and
 * non-UTF-8 bytes. `text` is printable ASCII (parseStrictForm checks the
 * body first), so only its escapes can bring a NUL or a byte beyond ASCII:
 * text without any is its own decoding, and with escapes of ASCII only
 * (`%5B`, `%40`…) there is no UTF-8 to judge, so decodeURIComponent reads
 * them; only an escape beyond ASCII needs the bytes and the UTF-8 check.
 */
function formDecode(gateway: string, text: string): string {
  if (!text.includes("%")) return plusAsSpace(text)
  if (MALFORMED_PERCENT.test(text)) throw refused(gateway, `malformed percent-encoding in "${text}".`)
  if (NON_ASCII_ESCAPE.test(text)) return utf8FormDecode(gateway, text)
  // "+" first: an escaped "%2B" stays a plus
  const decoded = decodeURIComponent(plusAsSpace(text))
  if (decoded.includes("\0")) throw refused(gateway, "a form field contains a NUL byte.")
  return decoded
}

/** formDecode of well-formed escapes, some beyond ASCII: through the bytes. */
function utf8FormDecode(gateway: string, text: string): string {
  const bytes = Buffer.from(
    plusAsSpace(text).replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    "latin1"
  )
  if (bytes.includes(0)) throw refused(gateway, "a form field contains a NUL byte.")
  try {
    return UTF8.decode(bytes)
  } catch {
    throw refused(gateway, "a form field is not UTF-8 once percent-decoded.")
  }
}

/**
 * An application/x-www-form-urlencoded body as PHP's `$_POST` reads it, in
 * the subset where `$_POST`, Express's `qs` and the engine's parsers agree:
 * `name=value` pairs joined by single `&`, each name plain (or bracketed only
 * where `nested` allows), each name once, no raw `=` in a value.
 */
export function parseStrictForm(gateway: string, raw: string, options: StrictFormOptions = {}): PhpArray {
  if (!/^[\x21-\x7e]*$/.test(raw)) {
    throw refused(gateway, "a form body may hold only printable ASCII (everything else percent-encoded).")
  }
  const pairs = raw.split("&")
  if (pairs.length > MAX_FIELDS) throw refused(gateway, `more than ${MAX_FIELDS} form fields.`)
  const nested = options.nested ?? {}
  const result: PhpArray = new Map()
  const seen = new Set<string>()
  for (const pair of pairs) {
    const eq = pair.indexOf("=")
    if (eq <= 0) throw refused(gateway, `form pair "${pair}" is not name=value.`)
    const value = pair.slice(eq + 1)
    if (value.includes("=")) throw refused(gateway, `form pair "${pair}" has a raw "=" in its value.`)
    const name = formDecode(gateway, pair.slice(0, eq))
    const parts = nameParts(name)
    const base = parts?.base ?? ""
    const segments = parts?.segments ?? []
    const nesting = Object.prototype.hasOwnProperty.call(nested, base) ? nested[base] : undefined
    // an indexed field's first segment is its list index, checked below
    const firstName = nesting?.indexed ? 1 : 0
    if (!parts || !PLAIN_NAME.test(base) || shadowsPrototype(base) || !segmentsArePlain(segments, firstName)) {
      throw refused(gateway, `form field name "${name}" is not a plain name.`)
    }
    if (segments.length > (nesting?.depth ?? 0)) {
      throw refused(gateway, `form field "${name}" uses bracket syntax where the doc has a flat field.`)
    }
    if (nesting?.indexed && segments.length && !nextListIndex(result.get(base), segments[0])) {
      throw refused(gateway, `form field "${name}" is not the next index of the list ${base} (0, 1, 2… in order).`)
    }
    if (seen.has(name)) throw refused(gateway, `form field "${name}" appears twice.`)
    seen.add(name)
    setNested(gateway, result, base, segments, formDecode(gateway, value), name)
  }
  return result
}

/**
 * A name's base and bracketed segments (`a[b][c]`: `a`, `[b, c]`), or undefined when it is not of that
 * shape: a base without brackets, then only `[…]` groups without brackets inside (`a[b`, `a[b]c`, `[a]`,
 * `a]`, `a[[b]]` are not).
 */
function nameParts(name: string): { base: string; segments: string[] } | undefined {
  const open = name.indexOf("[")
  if (open === -1) return name && !name.includes("]") ? { base: name, segments: [] } : undefined
  const base = name.slice(0, open)
  if (!base || base.includes("]")) return undefined
  const segments: string[] = []
  for (let at = open; at < name.length; ) {
    const close = name.indexOf("]", at)
    if (name[at] !== "[" || close === -1) return undefined
    const segment = name.slice(at + 1, close)
    if (segment.includes("[")) return undefined
    segments.push(segment)
    at = close + 1
  }
  return { base, segments }
}

/** Every segment from `first` on is a name both parsers read alike. */
function segmentsArePlain(segments: string[], first: number): boolean {
  for (let i = first; i < segments.length; i++) {
    if (!SEGMENT_NAME.test(segments[i]) || shadowsPrototype(segments[i])) return false
  }
  return true
}

/** A list index both parsers place alike: one already used, or the next one (no gaps, in order). */
function nextListIndex(list: PhpValue | undefined, segment: string): boolean {
  if (!LIST_INDEX.test(segment)) return false
  const size = list instanceof Map ? list.size : 0
  return Number(segment) <= size
}

/** `$_POST[base][segment]… = value`, refusing a name that is both a value and a parent (`a=1&a[b]=2`). */
function setNested(gateway: string, target: PhpArray, base: string, segments: string[], value: string, name: string) {
  let array = target
  let key = phpKey(base)
  for (const segment of segments) {
    const existing = array.get(key)
    if (existing !== undefined && !(existing instanceof Map)) {
      throw refused(gateway, `form field "${name}" clashes with a field of the same name.`)
    }
    let child = existing
    if (child === undefined) {
      child = new Map()
      array.set(key, child)
    }
    array = child
    key = phpKey(segment)
  }
  if (array.has(key)) throw refused(gateway, `form field "${name}" clashes with a field of the same name.`)
  array.set(key, value)
}
