import fc from "fast-check"
import { MedusaError } from "@medusajs/framework/utils"
import { PhpArray, phpFormDecode, phpJsonDecode, phpKsort } from "../../../lib/php"
import {
  applyByteEdits,
  byteEditsArb,
  webhook,
  applyFormOp,
  applyJsonOp,
  contentTypeArb,
  eventOf,
  EventView,
  expressForm,
  FORM_TYPE,
  formEncode,
  FormBody,
  formOpArb,
  formPair,
  FormPair,
  formParsersDisagree,
  JSON_TYPE,
  JsonBody,
  jsonMember,
  JsonMember,
  jsonOpArb,
  mediaTypeOf,
  NestedField,
  nestedNames,
  outcomeOf,
  serializeForm,
  serializeJson,
  SESSION,
  Tally,
  transportArb,
  transported,
  Variant,
  VICTIM_SESSION,
} from "../../../lib/__tests__/forgery-helpers"
import { RombProviderService } from "../service"
import { readRombBody, rombSignature, rombSignatureBase, verifyRombSignature } from "../signature"

/**
 * Forgery property for Romb webhooks. Romb signs `key=value&...` over the
 * fields PHP decoded (`$_POST` or `json_decode`), so whatever PHP reads the
 * same verifies: a variant must either be refused (4xx) or name exactly the
 * genuine event. Variants start from a genuine notification signed by the
 * provider's own signer, as JSON and as a form.
 */
const SECRET = "priv-secret-1"
const provider = new RombProviderService(
  {},
  { uid: "u-1", publicKey: "pub-1", privateKey: SECRET, baseUrl: "http://127.0.0.1:1/romb", timeoutMs: 500 }
)
const ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
const NUM_RUNS = { json: 2500, form: 2500, nested: 1200, attack: 600 }
/** Romb's nested field, as readRombBody reads it: `data[key]`, names only. */
const DATA: NestedField = { base: "data", depth: 1 }

const UNSIGNED_JSON: JsonBody = {
  members: [
    jsonMember("id", JSON.stringify(ID)),
    jsonMember("order_id", JSON.stringify(SESSION)),
    jsonMember("amount", "2990.50"),
    jsonMember("data", '{"customer_email":"a@b.co","description":"Two mugs / 2 pcs"}'),
    jsonMember("createdDateTime", '"2026-01-15T10:30:45+00:00"'),
    jsonMember("status", '"PAID"'),
  ],
  ws: "",
  leading: "",
  trailing: "",
  wrapArray: false,
}
const JSON_SIGN = rombSignature(readRombBody(serializeJson(UNSIGNED_JSON), JSON_TYPE), SECRET)
const GENUINE_JSON: JsonBody = { ...UNSIGNED_JSON, members: [...UNSIGNED_JSON.members, jsonMember("sign", JSON.stringify(JSON_SIGN))] }
const JSON_BASE = rombSignatureBase(readRombBody(serializeJson(GENUINE_JSON), JSON_TYPE))

/**
 * The same notification for an amount with 7 integer digits: there, 8
 * decimals (what the amount format allows) go beyond the 14 significant
 * digits PHP prints a float with, so the signature covers less than the amount.
 */
const LARGE_AMOUNT = "1234567.5"
const UNSIGNED_JSON_LARGE: JsonBody = { ...UNSIGNED_JSON, members: UNSIGNED_JSON.members.map((m) => (m.key === "amount" ? { ...m, valLex: LARGE_AMOUNT } : m)) }
const GENUINE_JSON_LARGE: JsonBody = {
  ...UNSIGNED_JSON_LARGE,
  members: [...UNSIGNED_JSON_LARGE.members, jsonMember("sign", JSON.stringify(rombSignature(readRombBody(serializeJson(UNSIGNED_JSON_LARGE), JSON_TYPE), SECRET)))],
}

const UNSIGNED_FORM: FormBody = {
  pairs: [
    formPair("id", ID),
    formPair("order_id", SESSION),
    formPair("amount", "2990.50"),
    formPair("data[customer_email]", "a@b.co"),
    formPair("data[description]", "Two mugs / 2 pcs"),
    formPair("createdDateTime", "2026-01-15T10:30:45+00:00"),
    formPair("status", "PAID"),
  ],
  leading: "",
  trailing: "",
}
const FORM_SIGN = rombSignature(readRombBody(serializeForm(UNSIGNED_FORM), FORM_TYPE), SECRET)
const GENUINE_FORM: FormBody = { ...UNSIGNED_FORM, pairs: [...UNSIGNED_FORM.pairs, formPair("sign", FORM_SIGN)] }

const jsonPayload = (raw: string, contentType: unknown = JSON_TYPE): Variant => ({ rawData: Buffer.from(raw), headers: { "content-type": contentType } })

let GENUINE: { json: EventView; jsonLarge: EventView; form: EventView }

/** The signed order: PHP's ksort of the field names (sign left out). */
const jsonSignedOrder = (members: JsonMember[]) => members.filter((m) => m.key !== "sign").sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
const formBase = (p: FormPair) => p.name.replace(/(%5B|\[).*$/i, "")
const formSignedOrder = (pairs: FormPair[]) => pairs.filter((p) => formBase(p) !== "sign").sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

/**
 * The base-preserving move: with the fields in signed order, field i takes
 * the text of fields i+1..j as its own value (`amount` = `2990.5&createdDateTime=...`)
 * and those fields go. The signed string is unchanged, so the signature
 * still verifies; only the field formats can refuse it.
 */
type MergeOp = { kind: "merge"; from: number; span: number }
const mergeArb = fc.record({ kind: fc.constant("merge" as const), from: fc.nat(), span: fc.integer({ min: 1, max: 3 }) })

function mergedText(model: PhpArray, op: MergeOp): { key: string; text: string; removed: string[] } | undefined {
  const signed = new Map(model)
  signed.delete("sign")
  const keys = [...phpKsort(signed).keys()].map(String)
  if (keys.length < 2) return undefined
  const i = op.from % (keys.length - 1)
  const j = Math.min(i + op.span, keys.length - 1)
  const segments = keys.slice(i, j + 1).map((k) => rombSignatureBase(new Map([[k, model.get(k)!]])))
  return { key: keys[i], text: segments.join("&").slice(keys[i].length + 1), removed: keys.slice(i + 1, j + 1) }
}

function mergeJson(body: JsonBody, op: MergeOp): JsonBody {
  let model: PhpArray
  try {
    model = phpJsonDecode(serializeJson({ ...body, leading: "", trailing: "", wrapArray: false })) as PhpArray
  } catch {
    return body
  }
  const merge = mergedText(model, op)
  if (!merge) return body
  const members = body.members
    .filter((m) => !merge.removed.includes(m.key))
    .map((m) => (m.key === merge.key ? { ...m, valLex: JSON.stringify(merge.text) } : m))
  return { ...body, members }
}

function mergeForm(body: FormBody, op: MergeOp): FormBody {
  let model: PhpArray
  try {
    model = phpFormDecode(serializeForm({ ...body, leading: "", trailing: "" }))
  } catch {
    return body
  }
  const merge = mergedText(model, op)
  if (!merge) return body
  const baseOf = (p: FormPair) => {
    try {
      return decodeURIComponent(formBase(p).replace(/\+/g, " "))
    } catch {
      return formBase(p)
    }
  }
  const pairs: FormPair[] = []
  let placed = false
  for (const p of body.pairs) {
    const base = baseOf(p)
    if (merge.removed.includes(base)) continue
    if (base === merge.key) {
      if (!placed) pairs.push({ name: formEncode(merge.key), value: formEncode(merge.text) })
      placed = true
      continue
    }
    pairs.push(p)
  }
  return { ...body, pairs }
}

/** The attack from the issue: PHP reads `+amount` as `amount` and ignores `[...]` names; qs reads them all. */
function issueAttack(victimAmount: string, plus = "+"): string {
  const rest = JSON_BASE.slice("amount=".length)
  return `${plus}amount=${formEncode(rest)}&sign=${JSON_SIGN}&[order_id]=${VICTIM_SESSION}&[id]=x&[amount]=${victimAmount}&[status]=PAID`
}

/**
 * Floats other than the genuine amount whose PHP string (precision 14) is the
 * genuine one, so that the doc's PHP takes the signature as valid: beyond 8
 * decimals for 2990.5 (the amount format refuses them), within 8 for 1234567.5.
 */
const BEYOND_14_DIGITS = {
  json: ["2990.500000000001", "2990.49999999999", "2990.5000000000005", "2.99050000000001e3", "2990.50000000000999"],
  jsonLarge: ["1234567.49999999", "1234567.50000001", "1234567.50000004", "1.23456750000001e6", "123456749999999e-8", "1234567.49999996"],
}
/** The amount spelled otherwise: the same PHP float (accepted as a duplicate), or not. */
const AMOUNT_LEXEMES = {
  json: [
    "2990.5", "2990.500", "2.9905e3", "2.9905E+3", "29905e-1", "2990.50e0", "2990.5000000000001", "2990.4999999999999", "2990.50000001", "2990.51", "2990", '"2990.50"', '"2990.5"', "-2990.5", "02990.5", "2990.", "+2990.5", "2990.5 ", "2.99050E3",
    ...BEYOND_14_DIGITS.json,
  ],
  jsonLarge: [
    "1234567.5", "1234567.50", "1.2345675e6", "12345675e-1", "1234567.50000000001", "1234567.4999999", "1234567.5000001", "1234567.51", '"1234567.5"', "1234567",
    ...BEYOND_14_DIGITS.jsonLarge,
  ],
}

const opsOf = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 1, arbitrary: fc.constant([] as T[]) }, { weight: 6, arbitrary: fc.array(arb, { minLength: 1, maxLength: 3 }) })

/** `text`: the bytes as text, so that a counterexample reads. */
type Case = { source: "json" | "jsonLarge" | "form"; text: string; bytes: Buffer; contentType: unknown; transport: "buffer" | "string" | "serialized" }

const jsonCaseArb: fc.Arbitrary<Case> = fc
  .record({
    large: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 2, arbitrary: fc.constant(true) }),
    ops: opsOf(fc.oneof(
      { weight: 12, arbitrary: jsonOpArb(["sign", "Sign", "order_id", "data"]) },
      { weight: 2, arbitrary: mergeArb },
      { weight: 5, arbitrary: fc.record({ kind: fc.constant("amountLexeme" as const), pick: fc.nat() }) }
    )),
    contentType: contentTypeArb(JSON_TYPE),
    edits: byteEditsArb,
    transport: transportArb,
  })
  .map(({ large, ops, contentType, edits, transport }) => {
    const source = large ? ("jsonLarge" as const) : ("json" as const)
    let body = large ? GENUINE_JSON_LARGE : GENUINE_JSON
    for (const op of ops) {
      if (op.kind === "merge") body = mergeJson(body, op)
      else if (op.kind === "amountLexeme") {
        const lexeme = AMOUNT_LEXEMES[source][op.pick % AMOUNT_LEXEMES[source].length]
        body = { ...body, members: body.members.map((m) => (m.key === "amount" ? { ...m, valLex: lexeme } : m)) }
      } else body = applyJsonOp(body, op, jsonSignedOrder)
    }
    const bytes = applyByteEdits(Buffer.from(serializeJson(body), "utf8"), edits)
    return { source, text: bytes.toString("utf8"), bytes, contentType, transport }
  })

const formCaseArb: fc.Arbitrary<Case> = fc
  .record({
    ops: opsOf(fc.oneof({ weight: 14, arbitrary: formOpArb(["sign", "Sign", "order_id", "data", "data[x]"], DATA) }, { weight: 2, arbitrary: mergeArb })),
    contentType: contentTypeArb(FORM_TYPE),
    edits: byteEditsArb,
    transport: transportArb,
  })
  .map(({ ops, contentType, edits, transport }) => {
    let body = GENUINE_FORM
    for (const op of ops) body = op.kind === "merge" ? mergeForm(body, op) : applyFormOp(body, op, formSignedOrder)
    const bytes = applyByteEdits(Buffer.from(serializeForm(body), "utf8"), edits)
    return { source: "form" as const, text: bytes.toString("utf8"), bytes, contentType, transport }
  })

/**
 * What Romb itself could send: the genuine form with `data[...]` pairs added
 * or changed (names only, out of order, too deep, digits, prototype names),
 * signed as Romb's PHP signs `$_POST`. Signed, so the signature cannot refuse
 * it: the strict read must accept the shapes $_POST and qs read alike (the
 * genuine event: `data` is not decided on) and refuse the others.
 */
const nestedCaseArb: fc.Arbitrary<Case> = fc
  .record({
    ops: fc.array(formOpArb([], DATA).filter((op) => op.kind === "nested" || op.kind === "reorder"), { minLength: 1, maxLength: 3 }),
    removeGenuineData: fc.boolean(),
    transport: transportArb,
  })
  .map(({ ops, removeGenuineData, transport }) => {
    let body: FormBody = { ...UNSIGNED_FORM, pairs: UNSIGNED_FORM.pairs.filter((p) => !removeGenuineData || formBase(p) !== "data") }
    for (const op of ops) body = applyFormOp(body, op, formSignedOrder)
    const unsigned = serializeForm(body)
    let sign: string
    try {
      sign = rombSignature(phpFormDecode(unsigned), SECRET)
    } catch {
      sign = FORM_SIGN
    }
    const bytes = Buffer.from(`${unsigned}&sign=${sign}`, "utf8")
    return { source: "form" as const, text: bytes.toString("utf8"), bytes, contentType: FORM_TYPE, transport }
  })

const attackCaseArb: fc.Arbitrary<Case> = fc
  .record({
    victimAmount: fc.constantFrom("1", "0.01", "99999", "2990.50"),
    plus: fc.constantFrom("+", "%20", "+%20", "%2B", " ", "++"),
    ops: fc.array(formOpArb(), { maxLength: 2 }),
    contentType: contentTypeArb(FORM_TYPE),
    edits: byteEditsArb,
    transport: transportArb,
  })
  .map(({ victimAmount, plus, ops, contentType, edits, transport }) => {
    const raw = issueAttack(victimAmount, plus)
    let body: FormBody = {
      pairs: raw.split("&").map((pair) => ({ name: pair.split("=")[0], value: pair.slice(pair.indexOf("=") + 1) })),
      leading: "",
      trailing: "",
    }
    for (const op of ops) body = applyFormOp(body, op, formSignedOrder)
    const bytes = applyByteEdits(Buffer.from(serializeForm(body), "utf8"), edits)
    return { source: "json" as const, text: bytes.toString("utf8"), bytes, contentType, transport }
  })

const tally = new Tally()

/** Whether the doc's PHP (`$_POST`, or `json_decode` of the body) would take the variant's signature as valid. */
function referenceVerifies(bytes: Buffer): boolean {
  const text = bytes.toString("utf8")
  for (const decode of [() => phpFormDecode(text), () => phpJsonDecode(text)]) {
    try {
      const model = decode()
      if (model instanceof Map && verifyRombSignature(model, SECRET)) return true
    } catch {
      // not decodable that way
    }
  }
  return false
}

/** Whether the JSON amount lexeme is one of the floats beyond PHP's 14 digits. */
function beyond14Digits(c: Case): boolean {
  if (c.source === "form") return false
  const lexeme = /"amount"\s*:\s*([^,}\s]+)/.exec(c.text)?.[1]
  return lexeme !== undefined && BEYOND_14_DIGITS[c.source].includes(lexeme)
}

async function checkCase(c: Case) {
  const variant: Variant = { rawData: transported(c.bytes, c.transport), headers: { "content-type": c.contentType } }
  const outcome = await outcomeOf(provider, variant, GENUINE[c.source])
  tally.record(outcome)
  const signed = referenceVerifies(c.bytes)
  tally.reference(signed, outcome)
  const text = c.bytes.toString("utf8")
  const isForm = mediaTypeOf(c.contentType) === FORM_TYPE
  // an amount Romb's PHP signs as 2990.5 but that is not 2990.5 is never accepted (outcomeOf holds it to the genuine event)
  if (signed && beyond14Digits(c)) tally.reach(`signed JSON amount beyond 14 digits (${c.source === "json" ? "over" : "within"} 8 decimals), ${outcome}`)
  // a form body that $_POST and Express's qs read differently must be refused before its signature counts, without exception
  const formText = isForm && Buffer.from(text, "utf8").equals(c.bytes)
  const disagree = formText && formParsersDisagree(text)
  if (disagree) {
    tally.disagreements++
    if (outcome === "invalid_data") tally.disagreementsRefused++
    else throw new Error(`$_POST and qs read this body differently, yet it was ${outcome}: ${text}`)
  }
  // the nested field's shapes: which were read (and so reached the signature), which refused
  if (formText && c.source === "form" && signed && nestedNames(text, "data").some((name) => !/^data\[(customer_email|description)\]$/.test(name))) {
    tally.reach(`signed form with other data[...] names, ${disagree ? "parsers disagree" : "parsers agree"}, ${outcome}`)
  }
}

describe("Romb webhook forgery property", () => {
  beforeAll(async () => {
    GENUINE = {
      json: eventOf(await provider.verifyWebhook(webhook(jsonPayload(serializeJson(GENUINE_JSON))))),
      jsonLarge: eventOf(await provider.verifyWebhook(webhook(jsonPayload(serializeJson(GENUINE_JSON_LARGE))))),
      form: eventOf(await provider.verifyWebhook({ data: {}, rawData: serializeForm(GENUINE_FORM), headers: { "content-type": FORM_TYPE } })),
    }
    expect(GENUINE.json).toEqual(
      expect.objectContaining({ action: "captured", session_id: SESSION, event_key: `${ID}:PAID`, gateway_status: "PAID", gateway_reference: ID })
    )
    expect(Number(GENUINE.json.amount)).toBe(2990.5)
    expect(GENUINE.form).toEqual(GENUINE.json)
    expect({ ...GENUINE.jsonLarge, amount: Number(GENUINE.jsonLarge.amount) }).toEqual({ ...GENUINE.json, amount: Number(LARGE_AMOUNT) })
  })

  afterAll(() => {
    console.log(tally.summary("Romb", { forms: true }))
  })

  it("JSON variants of a genuine notification: refused, or the genuine event exactly", async () => {
    await fc.assert(fc.asyncProperty(jsonCaseArb, checkCase), { numRuns: NUM_RUNS.json })
  })

  it("form variants of a genuine notification: refused, or the genuine event exactly; what $_POST and qs read differently is refused", async () => {
    await fc.assert(fc.asyncProperty(formCaseArb, checkCase), { numRuns: NUM_RUNS.form })
  })

  it("data[...] shapes Romb could sign: names both parsers read alike are the genuine event, the others are refused", async () => {
    await fc.assert(fc.asyncProperty(nestedCaseArb, checkCase), { numRuns: NUM_RUNS.nested })
  })

  it("variants of the issue's attack are all refused", async () => {
    await fc.assert(
      fc.asyncProperty(attackCaseArb, async (c) => {
        const before = tally.duplicate
        await checkCase(c)
        expect(tally.duplicate).toBe(before)
      }),
      { numRuns: NUM_RUNS.attack }
    )
  })

  it("the generators reach both outcomes: re-encodings accepted as duplicates, forgeries refused", () => {
    expect(tally.cases).toBe(NUM_RUNS.json + NUM_RUNS.form + NUM_RUNS.nested + NUM_RUNS.attack)
    expect(tally.duplicate).toBeGreaterThan(tally.cases * 0.05)
    expect(tally.unauthorized).toBeGreaterThan(tally.cases * 0.05)
    expect(tally.invalid).toBeGreaterThan(tally.cases * 0.2)
    expect(tally.disagreements).toBeGreaterThan(100)
    expect(tally.disagreementsRefused).toBe(tally.disagreements)
    // many variants carry a signature Romb's PHP would accept: the property is about them
    expect(tally.referenceSigned - tally.duplicate).toBeGreaterThan(500)
    // signed data[...] names both parsers read alike are read (the genuine event), those they read differently refused
    expect(tally.count("signed form with other data[...] names, parsers agree, duplicate")).toBeGreaterThan(50)
    expect(tally.count("signed form with other data[...] names, parsers disagree, invalid_data")).toBeGreaterThan(50)
    expect(tally.count("signed form with other data[...] names, parsers disagree, duplicate")).toBe(0)
    // signed JSON amounts beyond PHP's 14 digits were generated, and every one refused as invalid data
    // (within 8 decimals, only the check of the digits the signature covers can refuse them)
    expect(tally.count("signed JSON amount beyond 14 digits (within 8 decimals), invalid_data")).toBeGreaterThan(20)
    expect(tally.count("signed JSON amount beyond 14 digits (over 8 decimals), invalid_data")).toBeGreaterThan(10)
    expect(Object.keys(tally.reached).filter((name) => name.startsWith("signed JSON amount beyond") && !name.endsWith("invalid_data"))).toEqual([])
  })
})

describe("Romb: the attacks the property is built around", () => {
  const invalid = expect.objectContaining({ type: MedusaError.Types.INVALID_DATA })

  it("the issue's attack verifies in the PHP model and reads as the victim's payment in qs, and is refused", async () => {
    const attack = issueAttack("2990.50")
    // what the doc's PHP computes: `+amount` is `amount`, `[...]` names are ignored: the genuine signed string
    expect(rombSignatureBase(phpFormDecode(attack))).toBe(JSON_BASE)
    expect(verifyRombSignature(phpFormDecode(attack), SECRET)).toBe(true)
    // what Express hands a route: the victim's order, PAID
    expect(expressForm(attack)).toEqual(expect.objectContaining({ order_id: VICTIM_SESSION, id: "x", amount: "2990.50", status: "PAID" }))
    await expect(
      provider.verifyWebhook({ data: {}, rawData: attack, headers: { "content-type": FORM_TYPE } })
    ).rejects.toEqual(invalid)
  })

  it("a JSON/form polyglot whose Content-Type names the form type in a parameter is refused", async () => {
    // valid JSON (an array holding the victim's order) and, to PHP's $_POST, the genuine signed fields
    const rest = JSON_BASE.slice("amount=".length)
    const polyglot = `[{"order_id":"${VICTIM_SESSION}","status":"PAID","amount":1,"id":"x"},"&amount=${formEncode(rest)}&sign=${JSON_SIGN}&["]`
    expect(JSON.parse(polyglot)[0]).toEqual(expect.objectContaining({ order_id: VICTIM_SESSION, status: "PAID" }))
    expect(verifyRombSignature(phpFormDecode(polyglot), SECRET)).toBe(true)
    for (const contentType of [`${JSON_TYPE}; x=${FORM_TYPE}`, JSON_TYPE, FORM_TYPE, `${FORM_TYPE}; x=${JSON_TYPE}`]) {
      await expect(provider.verifyWebhook(webhook(jsonPayload(polyglot, contentType)))).rejects.toEqual(invalid)
    }
    // and the genuine JSON itself, sent with such a Content-Type
    await expect(
      provider.verifyWebhook(webhook(jsonPayload(serializeJson(GENUINE_JSON), `${JSON_TYPE}; x=${FORM_TYPE}`)))
    ).rejects.toEqual(invalid)
  })

  it("moving a neighbour into a value keeps the signed string (the signature verifies) and is refused by the formats", async () => {
    for (let from = 0; from < 5; from++) {
      for (const span of [1, 2, 3]) {
        for (const [body, contentType] of [
          [serializeJson(mergeJson(GENUINE_JSON, { kind: "merge", from, span })), JSON_TYPE],
          [serializeForm(mergeForm(GENUINE_FORM, { kind: "merge", from, span })), FORM_TYPE],
        ]) {
          const model = contentType === JSON_TYPE ? (phpJsonDecode(body) as PhpArray) : phpFormDecode(body)
          expect(verifyRombSignature(model, SECRET)).toBe(true)
          await expect(provider.verifyWebhook(webhook(jsonPayload(body, contentType)))).rejects.toEqual(invalid)
        }
      }
    }
  })

  it("re-encodings are the genuine event: amount lexemes, escapes, key order, whitespace, percent-encoding", async () => {
    const genuineJson = serializeJson(GENUINE_JSON)
    for (const raw of [
      genuineJson.replace("2990.50", "2.9905e3"),
      genuineJson.replace('"status"', '"\\u0073tatus"').replace('"PAID"', '"\\u0050AID"'),
      serializeJson({ ...GENUINE_JSON, ws: "\n  ", members: [...GENUINE_JSON.members].reverse() }),
      genuineJson.replace("Two mugs / 2 pcs", "Two mugs \\/ 2 pcs"),
    ]) {
      expect(eventOf(await provider.verifyWebhook(webhook(jsonPayload(raw))))).toEqual(GENUINE.json)
    }
    const form = serializeForm(GENUINE_FORM)
    for (const raw of [form.replace("amount=", "%61mount="), form.replace("%2B00", "%2b00"), form.replace("Two+mugs", "Two%20mugs"), form.replace("data%5B", "data[").replace("%5D=", "]=")]) {
      expect(raw).not.toBe(form)
      expect(eventOf(await provider.verifyWebhook(webhook(jsonPayload(raw, FORM_TYPE))))).toEqual(GENUINE.form)
    }
  })

  it("a data[...] segment qs reads otherwise than $_POST (digits it renumbers, __proto__ it drops) is refused, even signed", async () => {
    const fields = `id=t-1&order_id=${SESSION}&amount=10&status=PAID`
    const signedBody = (body: string) => `${body}&sign=${rombSignature(phpFormDecode(body), SECRET)}`
    // $_POST: data = {1: "x"}; qs: data = ["x"]. $_POST: data = {__proto__: "x"}; qs: data = {}
    for (const nested of ["data[1]=x", "data[0]=x&data[2]=y", "data[__proto__]=x", "data%5B1%5D=x"]) {
      const body = `${fields}&${nested}`
      expect(formParsersDisagree(body)).toBe(true)
      expect(verifyRombSignature(phpFormDecode(signedBody(body)), SECRET)).toBe(true)
      await expect(provider.verifyWebhook(webhook(jsonPayload(signedBody(body), FORM_TYPE)))).rejects.toEqual(
        expect.objectContaining({ type: MedusaError.Types.INVALID_DATA, message: expect.stringMatching(/not a plain name/) })
      )
    }
    // digits both parsers happen to read alike, and names that shadow Object.prototype, are refused all the same
    for (const nested of ["data[0]=x", "data[constructor]=x", "data[toString]=x"]) {
      await expect(provider.verifyWebhook(webhook(jsonPayload(signedBody(`${fields}&${nested}`), FORM_TYPE)))).rejects.toEqual(invalid)
    }
    // names both read alike are read: data is signed, not decided on
    const named = `${fields}&data[customer_email]=a%40b.co&data[_note]=x`
    expect(formParsersDisagree(named)).toBe(false)
    const answer = await provider.verifyWebhook(webhook(jsonPayload(signedBody(named), FORM_TYPE)))
    expect(eventOf(answer)).toEqual(expect.objectContaining({ action: "captured", session_id: SESSION, event_key: "t-1:PAID", gateway_status: "PAID", gateway_reference: "t-1" }))
    expect(Number(eventOf(answer).amount)).toBe(10)
    expect(answer.verified.data.notification).toEqual(expect.objectContaining({ data: { customer_email: "a@b.co", _note: "x" } }))
  })

  it("a JSON amount beyond PHP's 14 significant digits, which the signature does not cover, is refused", async () => {
    // PHP prints floats with precision=14: 1234567.5 and 1234567.49999999 both sign as "1234567.5"
    const body = serializeJson({ ...UNSIGNED_JSON, members: UNSIGNED_JSON.members.map((m) => (m.key === "amount" ? { ...m, valLex: "1234567.5" } : m)) })
    const sign = rombSignature(readRombBody(body, JSON_TYPE), SECRET)
    const genuine = `${body.slice(0, -1)},"sign":"${sign}"}`
    expect(Number(eventOf(await provider.verifyWebhook(webhook(jsonPayload(genuine)))).amount)).toBe(1234567.5)
    // (within the 8 decimals the amount format allows, so that nothing but the digits the signature covers can refuse them)
    for (const lexeme of ["1234567.49999999", "1234567.50000004", "1.23456750000001e6"]) {
      const forged = genuine.replace("1234567.5", lexeme)
      // the doc's PHP accepts it: the signed string is the genuine one
      expect(verifyRombSignature(phpJsonDecode(forged) as PhpArray, SECRET)).toBe(true)
      await expect(provider.verifyWebhook(webhook(jsonPayload(forged)))).rejects.toEqual(
        expect.objectContaining({ type: MedusaError.Types.INVALID_DATA, message: expect.stringMatching(/has more digits than Romb's signature covers \(1234567\.5\)/) })
      )
    }
    // the same float spelled otherwise is the genuine event
    for (const lexeme of ["1234567.50", "1.2345675e6"]) {
      const respelled = genuine.replace("1234567.5", lexeme)
      expect(eventOf(await provider.verifyWebhook(webhook(jsonPayload(respelled))))).toEqual(
        eventOf(await provider.verifyWebhook(webhook(jsonPayload(genuine))))
      )
    }
  })
})
