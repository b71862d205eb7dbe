/**
 * Shared pieces of the webhook forgery property suites
 * (src/providers/*\/__tests__/forgery.property.unit.spec.ts): the variant
 * generators (structure-level edits of a genuine notification, then
 * byte-level edits of its bytes), the parsers the gateways' reference code
 * and Express would use, and the one property every variant must satisfy.
 */
import fc from "fast-check"
import { MedusaError } from "@medusajs/framework/utils"
// the qs that Express's urlencoded body parser (body-parser) actually loads
import qs from "body-parser/node_modules/qs"
import { phpFormDecode } from "../php"
import { plainFields } from "../notification-fields"
import type { GatewayWebhookPayload, VerifiedWebhookAnswer } from "../../providers/base/redirect-provider"

/** Real-looking Medusa payment session ids: the attacker's own, and the victim's. */
export const SESSION = "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W"
export const VICTIM_SESSION = "payses_01JQ8Z3K4M5N6P7Q8R9S0VICTM"

export const JSON_TYPE = "application/json"
export const FORM_TYPE = "application/x-www-form-urlencoded"

// ------------------------------------------------------------------ parsers

/**
 * Express's `urlencoded({ extended: true })`: body-parser's call of qs (its
 * arrayLimit grows with the number of pairs: `Math.max(100, paramCount)`).
 */
export function expressForm(raw: string): unknown {
  const arrayLimit = Math.max(100, raw.split("&").length)
  return qs.parse(raw, { allowPrototypes: true, arrayLimit, depth: 32, strictDepth: true, parameterLimit: 1000 })
}

/** `$_POST` as plain values, or "error" where the model cannot represent it (bytes that are not UTF-8). */
export function phpForm(raw: string): unknown {
  try {
    return plainFields(phpFormDecode(raw))
  } catch {
    return "error"
  }
}

/** JSON with object keys sorted, so that two readings compare regardless of key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v
  )
}

/** True when PHP's `$_POST` and Express's qs read a form body differently. */
export function formParsersDisagree(raw: string): boolean {
  const php = phpForm(raw)
  if (php === "error") return true
  let express: unknown
  try {
    express = expressForm(raw)
  } catch {
    return true
  }
  return canonical(php) !== canonical(express)
}

// ----------------------------------------------------------------- property

/** What the inbox and the workflows act on: a re-encoding must leave all of it unchanged. */
export type EventView = {
  action: string
  session_id: string
  amount: string
  currency_code?: string
  event_key: string
  gateway_status: string
  gateway_reference?: string
}

export function eventOf(answer: VerifiedWebhookAnswer): EventView {
  const { action, data } = answer.verified
  return {
    action,
    session_id: data.session_id,
    amount: String(data.amount),
    currency_code: data.currency_code,
    event_key: data.event_key,
    gateway_status: data.gateway_status,
    gateway_reference: data.gateway_reference,
  }
}

export type Variant = { rawData: string | Buffer | { type: "Buffer"; data: number[] }; headers: Record<string, unknown>; rawQuery?: string }

export type Outcome = "unauthorized" | "invalid_data" | "duplicate"

/** A variant as the routes hand a webhook to a provider (`data` is never read). */
export function webhook(variant: Variant): GatewayWebhookPayload {
  return { data: {}, ...variant } as GatewayWebhookPayload
}

type Provider = { verifyWebhook(payload: GatewayWebhookPayload): Promise<VerifiedWebhookAnswer> }

export class Tally {
  cases = 0
  unauthorized = 0
  invalid = 0
  duplicate = 0
  /** Form bodies $_POST and qs read differently, and how many of them were refused as invalid data. */
  disagreements = 0
  disagreementsRefused = 0
  /** Named shapes a suite counts to show that its generators reach them (e.g. indexed toValues accepted). */
  reached: Record<string, number> = {}
  /** Variants whose signature the gateway's reference code (PHP / Python / the engine's formula) accepts. */
  referenceSigned = 0
  referenceSignedRefused = 0

  reference(valid: boolean, outcome: Outcome) {
    if (!valid) return
    this.referenceSigned++
    if (outcome === "unauthorized" || outcome === "invalid_data") this.referenceSignedRefused++
  }

  reach(name: string) {
    this.reached[name] = (this.reached[name] ?? 0) + 1
  }

  /** How many variants reached a named shape (0 when none did). */
  count(name: string) {
    return this.reached[name] ?? 0
  }

  get refused() {
    return this.unauthorized + this.invalid
  }

  record(outcome: Outcome) {
    this.cases++
    if (outcome === "unauthorized") this.unauthorized++
    else if (outcome === "invalid_data") this.invalid++
    else this.duplicate++
  }

  summary(gateway: string, options: { forms?: boolean } = {}) {
    const reached = Object.entries(this.reached).map(([name, n]) => `${name}: ${n}`)
    return [
      `${gateway} forgery property: ${this.cases} generated variants`,
      `refused ${this.refused} (${this.unauthorized} unauthorized, ${this.invalid} invalid data)`,
      `accepted as a duplicate of the genuine event ${this.duplicate}`,
      `signature valid for the gateway's reference code: ${this.referenceSigned} (refused ${this.referenceSignedRefused}, the rest accepted as above)`,
      ...(options.forms ? [`form bodies $_POST and qs read differently: ${this.disagreements}, refused as invalid data: ${this.disagreementsRefused}`] : []),
      ...(reached.length ? [`shapes reached: ${reached.join(", ")}`] : []),
    ].join("; ")
  }
}

/**
 * The property: a variant is refused with a 4xx (UNAUTHORIZED or
 * INVALID_DATA: nothing stored), or it is accepted and names exactly the
 * genuine event (so the inbox takes it for a duplicate). Anything else,
 * another error included (a 500), fails; there is no exception. `accepted`
 * may check more of an accepted answer (e.g. what would be stored).
 */
export async function outcomeOf(
  provider: Provider,
  variant: Variant,
  genuine: EventView,
  accepted?: (answer: VerifiedWebhookAnswer) => void
): Promise<Outcome> {
  let answer: VerifiedWebhookAnswer
  try {
    answer = await provider.verifyWebhook(webhook(variant))
  } catch (error) {
    if (error instanceof MedusaError && error.type === MedusaError.Types.UNAUTHORIZED) return "unauthorized"
    if (error instanceof MedusaError && error.type === MedusaError.Types.INVALID_DATA) return "invalid_data"
    throw error
  }
  expect(eventOf(answer)).toEqual(genuine)
  accepted?.(answer)
  return "duplicate"
}

// --------------------------------------------------------------- encodings

const hex2 = (code: number, upper: boolean) => {
  const h = code.toString(16).padStart(2, "0")
  return `%${upper ? h.toUpperCase() : h}`
}

/** application/x-www-form-urlencoded as URLSearchParams writes it. */
export function formEncode(text: string): string {
  return new URLSearchParams({ x: text }).toString().slice(2)
}

/** The units of an encoded form string: `%XX` escapes and single characters. */
function formUnits(raw: string): string[] {
  return raw.match(/%[0-9A-Fa-f]{2}|[\s\S]/g) ?? []
}

/**
 * Re-encodes one unit of an encoded form string: a character becomes its
 * `%XX` (either hex case), a `%XX` of a safe character becomes the
 * character, a `%XX` changes hex case, `+` and `%20` swap.
 */
export function reencodeFormUnit(raw: string, index: number, upper: boolean): string {
  const units = formUnits(raw)
  if (!units.length) return raw
  const i = index % units.length
  const unit = units[i]
  if (unit === "+") units[i] = "%20"
  else if (unit === "%20") units[i] = "+"
  else if (unit.length === 3) {
    const code = parseInt(unit.slice(1), 16)
    const char = String.fromCharCode(code)
    units[i] = /[A-Za-z0-9*._~@:\/,!'()$;?-]/.test(char) && !upper ? char : upper ? unit.toUpperCase() : unit.toLowerCase()
  } else {
    const bytes = Buffer.from(unit, "utf8")
    units[i] = [...bytes].map((b) => hex2(b, upper)).join("")
  }
  return units.join("")
}

/** The units of a JSON string lexeme's content: escapes and single characters. */
function jsonStringUnits(content: string): string[] {
  return content.match(/\\u[0-9A-Fa-f]{4}|\\[\s\S]|[\s\S]/g) ?? []
}

/** Re-escapes one unit inside a JSON string lexeme ("a" <-> "\u0061", "/" <-> "\/", hex case). */
export function reescapeJsonString(lexeme: string, index: number, upper: boolean): string {
  if (!/^".*"$/s.test(lexeme)) return lexeme
  const units = jsonStringUnits(lexeme.slice(1, -1))
  if (!units.length) return lexeme
  const i = index % units.length
  const unit = units[i]
  if (unit === "/") units[i] = "\\/"
  else if (unit === "\\/") units[i] = "/"
  else if (/^\\u[0-9A-Fa-f]{4}$/.test(unit)) {
    const code = parseInt(unit.slice(2), 16)
    units[i] = code >= 0x20 && code !== 0x22 && code !== 0x5c && !(code >= 0xd800 && code <= 0xdfff) && !upper ? String.fromCharCode(code) : upper ? `\\u${unit.slice(2).toUpperCase()}` : `\\u${unit.slice(2).toLowerCase()}`
  } else if (unit.length === 1) {
    const code = unit.charCodeAt(0)
    const h = code.toString(16).padStart(4, "0")
    units[i] = `\\u${upper ? h.toUpperCase() : h}`
  }
  return `"${units.join("")}"`
}

// ---------------------------------------------------------- byte-level edits

/** Bytes that mean something to one parser or another, and a few that are not UTF-8. */
const INTERESTING_BYTES = [
  ..."&=%+[]. \"{},:\\\n\t\r#;/?_-0159aAzZ".split("").map((c) => c.charCodeAt(0)),
  0x00, 0x7f, 0xa0, 0xc3, 0xa9, 0xef, 0xbb, 0xbf, 0xff, 0xfe, 0x80, 0xc0, 0xed,
]

export type ByteEdit =
  | { kind: "insert"; at: number; byte: number }
  | { kind: "delete"; at: number; length: number }
  | { kind: "replace"; at: number; byte: number }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "swap"; at: number }
  | { kind: "truncate"; at: number }

export const byteEditArb: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() })
)

/** Mostly none (so that re-encodings can reach acceptance), else one or two. */
export const byteEditsArb: fc.Arbitrary<ByteEdit[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<ByteEdit[]>([]) },
  { weight: 2, arbitrary: fc.array(byteEditArb, { minLength: 1, maxLength: 2 }) }
)

export function applyByteEdits(bytes: Buffer, edits: ByteEdit[]): Buffer {
  return edits.reduce<Buffer>(applyByteEdit, bytes)
}

export function applyByteEdit(bytes: Buffer, edit: ByteEdit): Buffer {
  const n = bytes.length
  const at = n ? edit.at % (n + 1) : 0
  switch (edit.kind) {
    case "insert":
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([edit.byte]), bytes.subarray(at)])
    case "delete":
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)])
    case "replace":
      return at >= n ? bytes : Buffer.concat([bytes.subarray(0, at), Buffer.from([edit.byte]), bytes.subarray(at + 1)])
    case "duplicate":
      return Buffer.concat([bytes.subarray(0, at + edit.length), bytes.subarray(at, at + edit.length), bytes.subarray(at + edit.length)])
    case "swap":
      return at + 1 >= n ? bytes : Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1, at + 2), bytes.subarray(at, at + 1), bytes.subarray(at + 2)])
    case "truncate":
      return bytes.subarray(0, Math.max(1, at))
  }
}

/** How the raw bytes reach the provider: a Buffer, a string, or a Buffer serialized by an event bus. */
export const transportArb = fc.constantFrom("buffer" as const, "string" as const, "serialized" as const)

export function transported(bytes: Buffer, transport: "buffer" | "string" | "serialized"): Variant["rawData"] {
  if (transport === "serialized") return JSON.parse(JSON.stringify(bytes))
  // a string only when the bytes are text (a string is re-encoded as UTF-8 by the reader)
  if (transport === "string" && Buffer.from(bytes.toString("utf8"), "utf8").equals(bytes)) return bytes.toString("utf8")
  return bytes
}

// ------------------------------------------------------------ content types

/** Content-Type headers around a genuine one: same type re-spelled, parameters, other types, none. */
export function contentTypeArb(genuine: string): fc.Arbitrary<unknown> {
  const other = genuine === JSON_TYPE ? FORM_TYPE : JSON_TYPE
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(genuine) },
    {
      weight: 4,
      arbitrary: fc.constantFrom<unknown>(
        `${genuine}; charset=utf-8`,
        `${genuine};charset=UTF-8`,
        `${genuine}; charset="utf-8"`,
        genuine.toUpperCase(),
        ` ${genuine} `,
        `${genuine}; charset=latin1`,
        `${genuine}; charset=iso-8859-1`,
        `${genuine}; charset=utf-16`,
        `${genuine}; x=${other}`,
        `${genuine}; type=${other}`,
        `${genuine}; boundary=----x`,
        `${genuine}; charset=utf-8; charset=utf-8`,
        `${genuine}; charset=utf-8; x=${other}`,
        `${genuine},${other}`,
        `${other}; x=${genuine}`,
        `${genuine}x`,
        `x-${genuine}`,
        other,
        "text/plain",
        "multipart/form-data; boundary=x",
        "",
        undefined,
        [genuine, other],
        [other, genuine]
      ),
    }
  )
}

// ------------------------------------------------------------- JSON bodies

/** A JSON object body as lexemes, so that edits keep (or break) the exact spelling on purpose. */
export type JsonMember = { key: string; keyLex: string; valLex: string }
export type JsonBody = { members: JsonMember[]; ws: string; leading: string; trailing: string; wrapArray: boolean }

export const jsonMember = (key: string, valLex: string): JsonMember => ({ key, keyLex: JSON.stringify(key), valLex })

export function serializeJson(body: JsonBody): string {
  const ws = body.ws
  const object = `{${body.members.map((m) => `${ws}${m.keyLex}${ws}:${ws}${m.valLex}${ws}`).join(",")}}`
  return body.leading + (body.wrapArray ? `[${object}]` : object) + body.trailing
}

/** Values an attacker would like a field to hold. */
export const JSON_VICTIM_VALUES = [
  '"PAID"', '"success"', '"hold"', '"CANCELED"', JSON.stringify(VICTIM_SESSION), '"1"', "1", "99999", "0.01", '"x"', "null",
  "true", '{"a":1}', "[]", '""', '"inProgressPayout"', '"RUB"', '"2990.50"', "2990.50",
]

export type JsonOp =
  | { kind: "reorder"; seeds: number[] }
  | { kind: "ws"; ws: string }
  | { kind: "escapeKey"; member: number; unit: number; upper: boolean }
  | { kind: "escapeValue"; member: number; unit: number; upper: boolean }
  | { kind: "duplicateKey"; member: number; value: string; before: boolean; escape: boolean }
  | { kind: "renameKey"; member: number; how: string }
  | { kind: "moveSuffix"; from: number; chars: number; sep: string }
  | { kind: "nest"; member: number; how: "array" | "object" | "string" }
  | { kind: "addField"; name: string; value: string; at: number }
  | { kind: "removeField"; member: number }
  | { kind: "setValue"; member: number; value: string }
  | { kind: "trailing"; text: string }
  | { kind: "leading"; text: string }
  | { kind: "wrapArray" }
  | { kind: "hexCase"; member: number }

const JSON_RENAMES = ["upper", "space-prefix", "space-suffix", "plus-prefix", "bracket", "dot", "nul", "empty", "suffix-[]"]

export function jsonOpArb(extraNames: string[] = []): fc.Arbitrary<JsonOp> {
  const member = fc.nat()
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("reorder" as const), seeds: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("ws" as const), ws: fc.constantFrom("", " ", "\n", "\t", "\r\n", "  \n  ") }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("escapeKey" as const), member, unit: fc.nat(), upper: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("escapeValue" as const), member, unit: fc.nat(), upper: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("duplicateKey" as const), member, value: fc.constantFrom(...JSON_VICTIM_VALUES), before: fc.boolean(), escape: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("renameKey" as const), member, how: fc.constantFrom(...JSON_RENAMES) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("moveSuffix" as const), from: fc.nat(), chars: fc.integer({ min: 1, max: 8 }), sep: fc.constantFrom("", "", ":", "&", "=") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("nest" as const), member, how: fc.constantFrom("array" as const, "object" as const, "string" as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("addField" as const), name: fc.constantFrom("x", "Status", "amount_", "zzz", "a", "order", "sign2", ...extraNames), value: fc.constantFrom(...JSON_VICTIM_VALUES), at: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("removeField" as const), member }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("setValue" as const), member, value: fc.constantFrom(...JSON_VICTIM_VALUES) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("trailing" as const), text: fc.constantFrom(" ", "\n", "\t\r\n", "x", "}", ",", "{}", "\u0000", "&amount=1", '{"status":"PAID"}', "]", "//", "\ufeff") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("leading" as const), text: fc.constantFrom("\ufeff", " ", "\n", "x", "[", "\u00a0", ",") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("wrapArray" as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("hexCase" as const), member }) }
  )
}

function renameJsonKey(key: string, how: string): string {
  switch (how) {
    case "upper":
      return key.charAt(0).toUpperCase() + key.slice(1)
    case "space-prefix":
      return ` ${key}`
    case "space-suffix":
      return `${key} `
    case "plus-prefix":
      return `+${key}`
    case "bracket":
      return `[${key}]`
    case "dot":
      return key.includes("_") ? key.replace("_", ".") : `${key}.`
    case "nul":
      return `${key}\u0000`
    case "empty":
      return ""
    default:
      return `${key}[]`
  }
}

/** A JSON value lexeme's text for boundary moves: a string's content, or the lexeme itself. */
function lexemeText(valLex: string): string {
  try {
    const value = JSON.parse(valLex)
    return typeof value === "string" ? value : valLex
  } catch {
    return valLex
  }
}

/**
 * Applies one edit. `signedOrder` gives the members in the order the
 * signature joins them (moves between neighbours happen in that order).
 */
export function applyJsonOp(body: JsonBody, op: JsonOp, signedOrder: (members: JsonMember[]) => JsonMember[]): JsonBody {
  const members = body.members.map((m) => ({ ...m }))
  const at = (n: number) => (members.length ? n % members.length : 0)
  switch (op.kind) {
    case "reorder": {
      const keyed = members.map((m, i) => ({ m, s: op.seeds[i % op.seeds.length] * 31 + i }))
      return { ...body, members: keyed.sort((a, b) => a.s - b.s).map((k) => k.m) }
    }
    case "ws":
      return { ...body, ws: op.ws }
    case "escapeKey": {
      if (!members.length) return body
      const m = members[at(op.member)]
      m.keyLex = reescapeJsonString(m.keyLex, op.unit, op.upper)
      return { ...body, members }
    }
    case "escapeValue": {
      if (!members.length) return body
      const m = members[at(op.member)]
      m.valLex = reescapeJsonString(m.valLex, op.unit, op.upper)
      return { ...body, members }
    }
    case "duplicateKey": {
      if (!members.length) return body
      const i = at(op.member)
      const m = members[i]
      const dup = { key: m.key, keyLex: op.escape ? reescapeJsonString(m.keyLex, 0, false) : m.keyLex, valLex: op.value }
      members.splice(op.before ? i : i + 1, 0, dup)
      return { ...body, members }
    }
    case "renameKey": {
      if (!members.length) return body
      const m = members[at(op.member)]
      m.key = renameJsonKey(m.key, op.how)
      m.keyLex = JSON.stringify(m.key)
      return { ...body, members }
    }
    case "moveSuffix": {
      const ordered = signedOrder(members)
      if (ordered.length < 2) return body
      const i = op.from % (ordered.length - 1)
      const [a, b] = [ordered[i], ordered[i + 1]]
      const [ta, tb] = [lexemeText(a.valLex), lexemeText(b.valLex)]
      const k = Math.min(op.chars, ta.length)
      a.valLex = JSON.stringify(ta.slice(0, ta.length - k))
      b.valLex = JSON.stringify(ta.slice(ta.length - k) + op.sep + tb)
      return { ...body, members }
    }
    case "nest": {
      if (!members.length) return body
      const m = members[at(op.member)]
      m.valLex = op.how === "array" ? `[${m.valLex}]` : op.how === "object" ? `{"0":${m.valLex}}` : JSON.stringify(m.valLex)
      return { ...body, members }
    }
    case "addField":
      members.splice(op.at % (members.length + 1), 0, jsonMember(op.name, op.value))
      return { ...body, members }
    case "removeField":
      if (members.length) members.splice(at(op.member), 1)
      return { ...body, members }
    case "setValue":
      if (members.length) members[at(op.member)].valLex = op.value
      return { ...body, members }
    case "trailing":
      return { ...body, trailing: body.trailing + op.text }
    case "leading":
      return { ...body, leading: op.text + body.leading }
    case "wrapArray":
      return { ...body, wrapArray: true }
    case "hexCase": {
      if (!members.length) return body
      const m = members[at(op.member)]
      m.valLex = m.valLex.toUpperCase()
      return { ...body, members }
    }
  }
}

// ------------------------------------------------------------- form bodies

/** A form body as its raw (encoded) pairs; `value: null` is a pair without "=". */
export type FormPair = { name: string; value: string | null }
export type FormBody = { pairs: FormPair[]; leading: string; trailing: string }

export const formPair = (name: string, value: string): FormPair => ({ name: formEncode(name), value: formEncode(value) })

export function serializeForm(body: FormBody): string {
  return body.leading + body.pairs.map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`)).join("&") + body.trailing
}

export const FORM_VICTIM_VALUES = [
  "PAID", "CANCELED", VICTIM_SESSION, "1", "0.01", "99999", "x", "", "inProgressPayout", "done", "success",
  formEncode("2026-01-15T10:30:45+00:00"), "%26status%3DPAID", "2990.50", "1790.50",
]

/**
 * Name edits, most of them ones PHP rewrites: a leading space or "+" is
 * dropped, " " "." and an unterminated first "[" become "_", a name starting
 * with "[" is ignored, "%00" ends a name.
 */
const FORM_RENAMES = [
  "same", "upper", "space", "%20", "plus", "%2B", "[wrap]", "%5Bwrap%5D", "[]", "[0]", "[x]", "_to.", "_to%2E", "_to+",
  "_to%20", "_to[", "trailing[", "nul", "trailing-space", "]",
]

/** Segments for bracket junk on any field (digits qs makes array indexes, names shadowing Object.prototype, PHP-mangled ones). */
const BRACKET_SEGMENTS = ["", "0", "1", "__proto__", "constructor", "toString", "x", "key", "value", "name", "amount", "a.b", " ", "0][0", "order_id", "[x"]

/** A field the doc shows as nested, as parseStrictForm's `nested` option describes it. */
export type NestedField = { base: string; depth: number; indexed?: boolean }

/** List indexes: the ones in use, the next, a gap, and spellings of them that are not a plain index. */
export const INDEX_SEGMENTS = ["0", "0", "1", "1", "2", "01", "-1", "1e0", "+1", "", "x", "__proto__"]

/**
 * Names inside brackets: plain names every parser reads alike (the doc's own,
 * and others), and those $_POST and qs read differently or the strict read
 * refuses anyway (digits qs turns into array indexes, names that shadow
 * Object.prototype, "." and " " PHP keeps inside brackets, stray brackets).
 */
export const NAME_SEGMENTS = [
  "key", "name", "value", "extra", "customer_email", "description", "_x", "x1", "Z",
  "0", "1", "7", "__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "a.b", "a b", "", "[x", "-x",
]

/** Mostly plain names as deep as the doc allows; sometimes any name, shallower, or one level too deep. */
function nestedNamesArb(nested: NestedField): fc.Arbitrary<string[]> {
  const levels = nested.depth - (nested.indexed ? 1 : 0)
  const name = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NAME_SEGMENTS.slice(0, 9)) }, { weight: 2, arbitrary: fc.constantFrom(...NAME_SEGMENTS) })
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(name, { minLength: levels, maxLength: levels }) },
    { weight: 2, arbitrary: fc.array(name, { minLength: nested.indexed ? 0 : 1, maxLength: levels + 1 }) }
  )
}

/** The segments a nested pair's name has: a list index first for an indexed field, then names. */
export function nestedSegments(field: NestedField, index: string, names: string[]): string[] {
  return field.indexed ? [index, ...names] : names
}

export type FormOp =
  | { kind: "reorder"; seeds: number[] }
  | { kind: "reencodeName"; pair: number; unit: number; upper: boolean }
  | { kind: "reencodeValue"; pair: number; unit: number; upper: boolean }
  | { kind: "renameKey"; pair: number; how: string }
  | { kind: "duplicatePair"; pair: number; value: string; before: boolean; how: string }
  | { kind: "bracket"; pair: number; segments: string[]; value: string; before: boolean }
  | { kind: "insertRaw"; at: number; text: string }
  | { kind: "rawEq"; pair: number; at: number }
  | { kind: "badPercent"; pair: number; at: number; text: string; inName: boolean }
  | { kind: "moveSuffix"; from: number; chars: number; sep: string }
  | { kind: "removePair"; pair: number }
  | { kind: "addPair"; name: string; value: string; at: number }
  | { kind: "setValue"; pair: number; value: string }
  | { kind: "trailing"; text: string }
  | { kind: "leading"; text: string }
  | { kind: "hexCase"; pair: number }
  | { kind: "nested"; at: number; segments: string[]; value: string; encoded: boolean }
  | { kind: "reindex"; index: string }

/**
 * Form edits. With `nested`, also pairs of the gateway's nested field in the
 * shapes the doc shows and around them (`data[key]`, `toValues[1][key]`: an
 * index in order, out of order, with a gap; names both parsers read alike,
 * and names they do not), and renumberings of the genuine nested pairs.
 */
export function formOpArb(extraNames: string[] = [], nested?: NestedField): fc.Arbitrary<FormOp> {
  const pair = fc.nat()
  const nestedOps: Array<{ weight: number; arbitrary: fc.Arbitrary<FormOp> }> = nested
    ? [
        {
          weight: 4,
          arbitrary: fc
            .record({
              at: fc.nat(),
              index: fc.oneof({ weight: 3, arbitrary: fc.constantFrom("0", "1") }, { weight: 2, arbitrary: fc.constantFrom(...INDEX_SEGMENTS) }),
              names: nestedNamesArb(nested),
              value: fc.constantFrom(...FORM_VICTIM_VALUES),
              encoded: fc.boolean(),
            })
            .map(({ at, index, names, value, encoded }) => ({
              kind: "nested" as const,
              at,
              segments: [nested.base, ...nestedSegments(nested, index, names)],
              value,
              encoded,
            })),
        },
        ...(nested.indexed ? [{ weight: 1, arbitrary: fc.record({ kind: fc.constant("reindex" as const), index: fc.constantFrom(...INDEX_SEGMENTS) }) }] : []),
      ]
    : []
  return fc.oneof(
    ...nestedOps,
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("reorder" as const), seeds: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("reencodeName" as const), pair, unit: fc.nat(), upper: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("reencodeValue" as const), pair, unit: fc.nat(), upper: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("renameKey" as const), pair, how: fc.constantFrom(...FORM_RENAMES) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("duplicatePair" as const), pair, value: fc.constantFrom(...FORM_VICTIM_VALUES), before: fc.boolean(), how: fc.constantFrom(...FORM_RENAMES) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("bracket" as const), pair, segments: fc.array(fc.constantFrom(...BRACKET_SEGMENTS), { minLength: 1, maxLength: 3 }), value: fc.constantFrom(...FORM_VICTIM_VALUES), before: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("insertRaw" as const), at: fc.nat(), text: fc.constantFrom("&", "&&", "=", "=x", "x", "&=", "%26", "[", "]") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("rawEq" as const), pair, at: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("badPercent" as const), pair, at: fc.nat(), text: fc.constantFrom("%", "%z", "%4", "%00", "%FF", "%C3%28", "%u0061", "%%", "%E9", "%ED%A0%80", "%C0%AF"), inName: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("moveSuffix" as const), from: fc.nat(), chars: fc.integer({ min: 1, max: 8 }), sep: fc.constantFrom("", "", ":", "%3A", "&", "%26", "=", "%3D") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("removePair" as const), pair }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("addPair" as const), name: fc.constantFrom("x", "Status", "amount_", "zzz", "a", "foo", ...extraNames), value: fc.constantFrom(...FORM_VICTIM_VALUES), at: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("setValue" as const), pair, value: fc.constantFrom(...FORM_VICTIM_VALUES) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("trailing" as const), text: fc.constantFrom("&", "&x", "\n", " ", "%", "=", "&&", "&x=1", "&sign=") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("leading" as const), text: fc.constantFrom("&", "\ufeff", " ", "=", "?") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("hexCase" as const), pair }) }
  )
}

export function renameFormKey(name: string, how: string): string {
  switch (how) {
    case "same":
      return name
    case "upper":
      return name.charAt(0).toUpperCase() + name.slice(1)
    case "space":
      return ` ${name}`
    case "%20":
      return `%20${name}`
    case "plus":
      return `+${name}`
    case "%2B":
      return `%2B${name}`
    case "[wrap]":
      return `[${name}]`
    case "%5Bwrap%5D":
      return `%5B${name}%5D`
    case "[]":
    case "[0]":
    case "[x]":
      return `${name}${how}`
    case "_to.":
      return name.includes("_") ? name.replace("_", ".") : `${name}.`
    case "_to%2E":
      return name.includes("_") ? name.replace("_", "%2E") : `${name}%2E`
    case "_to+":
      return name.includes("_") ? name.replace("_", "+") : `${name}+`
    case "_to%20":
      return name.includes("_") ? name.replace("_", "%20") : `${name}%20`
    case "_to[":
      return name.includes("_") ? name.replace("_", "[") : `${name}[`
    case "trailing[":
      return `${name}[`
    case "nul":
      return `${name}%00x`
    case "trailing-space":
      return `${name}%20`
    default:
      return `${name}]`
  }
}

const units = (raw: string) => raw.match(/%[0-9A-Fa-f]{2}|[\s\S]/g) ?? []

export function applyFormOp(body: FormBody, op: FormOp, signedOrder: (pairs: FormPair[]) => FormPair[]): FormBody {
  const pairs = body.pairs.map((p) => ({ ...p }))
  const at = (n: number) => (pairs.length ? n % pairs.length : 0)
  switch (op.kind) {
    case "reorder": {
      const keyed = pairs.map((p, i) => ({ p, s: op.seeds[i % op.seeds.length] * 37 + i }))
      return { ...body, pairs: keyed.sort((a, b) => a.s - b.s).map((k) => k.p) }
    }
    case "reencodeName": {
      if (!pairs.length) return body
      const p = pairs[at(op.pair)]
      p.name = reencodeFormUnit(p.name, op.unit, op.upper)
      return { ...body, pairs }
    }
    case "reencodeValue": {
      if (!pairs.length) return body
      const p = pairs[at(op.pair)]
      if (p.value) p.value = reencodeFormUnit(p.value, op.unit, op.upper)
      return { ...body, pairs }
    }
    case "renameKey": {
      if (!pairs.length) return body
      const p = pairs[at(op.pair)]
      p.name = renameFormKey(p.name, op.how)
      return { ...body, pairs }
    }
    case "duplicatePair": {
      if (!pairs.length) return body
      const i = at(op.pair)
      pairs.splice(op.before ? i : i + 1, 0, { name: renameFormKey(pairs[i].name, op.how), value: op.value })
      return { ...body, pairs }
    }
    case "bracket": {
      if (!pairs.length) return body
      const i = at(op.pair)
      const base = pairs[i].name.replace(/(%5B|\[).*$/i, "")
      pairs.splice(op.before ? i : i + 1, 0, { name: `${base}[${op.segments.join("][")}]`, value: op.value })
      return { ...body, pairs }
    }
    case "insertRaw": {
      const i = op.at % (pairs.length + 1)
      pairs.splice(i, 0, { name: op.text, value: null })
      return { ...body, pairs }
    }
    case "rawEq": {
      if (!pairs.length) return body
      const p = pairs[at(op.pair)]
      const v = p.value ?? ""
      const k = op.at % (v.length + 1)
      p.value = `${v.slice(0, k)}=${v.slice(k)}`
      return { ...body, pairs }
    }
    case "badPercent": {
      if (!pairs.length) return body
      const p = pairs[at(op.pair)]
      const target = op.inName ? p.name : p.value ?? ""
      const u = units(target)
      u.splice(op.at % (u.length + 1), 0, op.text)
      if (op.inName) p.name = u.join("")
      else p.value = u.join("")
      return { ...body, pairs }
    }
    case "moveSuffix": {
      const ordered = signedOrder(pairs)
      if (ordered.length < 2) return body
      const i = op.from % (ordered.length - 1)
      const [a, b] = [ordered[i], ordered[i + 1]]
      const ua = units(a.value ?? "")
      const k = Math.min(op.chars, ua.length)
      a.value = ua.slice(0, ua.length - k).join("")
      b.value = ua.slice(ua.length - k).join("") + op.sep + (b.value ?? "")
      return { ...body, pairs }
    }
    case "removePair":
      if (pairs.length) pairs.splice(at(op.pair), 1)
      return { ...body, pairs }
    case "addPair":
      pairs.splice(op.at % (pairs.length + 1), 0, { name: op.name, value: op.value })
      return { ...body, pairs }
    case "setValue":
      if (pairs.length) pairs[at(op.pair)].value = op.value
      return { ...body, pairs }
    case "trailing":
      return { ...body, trailing: body.trailing + op.text }
    case "leading":
      return { ...body, leading: op.text + body.leading }
    case "hexCase": {
      if (!pairs.length) return body
      const p = pairs[at(op.pair)]
      if (p.value) p.value = p.value.toUpperCase()
      return { ...body, pairs }
    }
    case "nested": {
      const [base, ...segments] = op.segments
      const [open, close] = op.encoded ? ["%5B", "%5D"] : ["[", "]"]
      const name = base + segments.map((segment) => `${open}${formEncode(segment)}${close}`).join("")
      pairs.splice(op.at % (pairs.length + 1), 0, { name, value: op.value })
      return { ...body, pairs }
    }
    case "reindex":
      // every pair of an indexed field's first item moves to another index (toValues[0][key] -> toValues[1][key])
      return { ...body, pairs: pairs.map((p) => ({ ...p, name: p.name.replace(/^([A-Za-z]+)(%5B|\[)0(%5D|\])(?=%5B|\[)/i, (_m, base: string, o: string, c: string) => `${base}${o}${formEncode(op.index)}${c}`) })) }
  }
}

/** The pairs of a form body whose name (decoded) is bracketed under `base`: the nested field's pairs. */
export function nestedNames(raw: string, base: string): string[] {
  return decodedFormNames(raw).filter((name) => name.startsWith(`${base}[`))
}

/** The decoded names of a form body's pairs, as every parser splits it (on "&", then the first "="). */
export function decodedFormNames(raw: string): string[] {
  return raw.split("&").map((pair) => {
    const name = pair.split("=")[0].replace(/\+/g, " ")
    try {
      return decodeURIComponent(name)
    } catch {
      return name
    }
  })
}

/** The media type a Content-Type header names, as the provider reads it (first value of an array). */
export function mediaTypeOf(header: unknown): string {
  const value = Array.isArray(header) ? String(header[0]) : header === undefined ? "" : String(header)
  return value.split(";")[0].trim().toLowerCase()
}
