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
  isKnownQsRenumberingGap,
  JSON_TYPE,
  JsonBody,
  jsonMember,
  JsonMember,
  jsonOpArb,
  mediaTypeOf,
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
const NUM_RUNS = { json: 2500, form: 2500, attack: 600 }

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

let GENUINE: { json: EventView; form: EventView }

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

const opsOf = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 1, arbitrary: fc.constant([] as T[]) }, { weight: 6, arbitrary: fc.array(arb, { minLength: 1, maxLength: 3 }) })

/** `text`: the bytes as text, so that a counterexample reads. */
type Case = { source: "json" | "form"; text: string; bytes: Buffer; contentType: unknown; transport: "buffer" | "string" | "serialized" }

const jsonCaseArb: fc.Arbitrary<Case> = fc
  .record({
    ops: opsOf(fc.oneof({ weight: 12, arbitrary: jsonOpArb(["sign", "Sign", "order_id", "data"]) }, { weight: 2, arbitrary: mergeArb }, {
      weight: 2,
      // the amount spelled otherwise: the same PHP float (accepted as a duplicate), or not
      arbitrary: fc.record({
        kind: fc.constant("amountLexeme" as const),
        lexeme: fc.constantFrom("2990.5", "2990.500", "2.9905e3", "2.9905E+3", "29905e-1", "2990.50e0", "2990.5000000000001", "2990.50000001", "2990.51", "2990", '"2990.50"', '"2990.5"', "-2990.5", "02990.5", "2990.", "+2990.5", "2990.5 ", "2.99050E3"),
      }),
    })),
    contentType: contentTypeArb(JSON_TYPE),
    edits: byteEditsArb,
    transport: transportArb,
  })
  .map(({ ops, contentType, edits, transport }) => {
    let body = GENUINE_JSON
    for (const op of ops) {
      if (op.kind === "merge") body = mergeJson(body, op)
      else if (op.kind === "amountLexeme") body = { ...body, members: body.members.map((m) => (m.key === "amount" ? { ...m, valLex: op.lexeme } : m)) }
      else body = applyJsonOp(body, op, jsonSignedOrder)
    }
    const bytes = applyByteEdits(Buffer.from(serializeJson(body), "utf8"), edits)
    return { source: "json" as const, text: bytes.toString("utf8"), bytes, contentType, transport }
  })

const formCaseArb: fc.Arbitrary<Case> = fc
  .record({
    ops: opsOf(fc.oneof({ weight: 14, arbitrary: formOpArb(["sign", "Sign", "order_id", "data", "data[x]"]) }, { weight: 2, arbitrary: mergeArb })),
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

async function checkCase(c: Case) {
  const variant: Variant = { rawData: transported(c.bytes, c.transport), headers: { "content-type": c.contentType } }
  const outcome = await outcomeOf(provider, variant, GENUINE[c.source])
  tally.record(outcome)
  tally.reference(referenceVerifies(c.bytes), outcome)
  // a form body that $_POST and Express's qs read differently must be refused before its signature counts
  const text = c.bytes.toString("utf8")
  if (mediaTypeOf(c.contentType) === FORM_TYPE && Buffer.from(text, "utf8").equals(c.bytes) && formParsersDisagree(text)) {
    tally.disagreements++
    if (outcome === "invalid_data") tally.disagreementsRefused++
    else if (isKnownQsRenumberingGap(text, ["data"])) tally.gap("nested index qs renumbers")
    else throw new Error(`$_POST and qs read this body differently, yet it was ${outcome}: ${text}`)
  }
}

describe("Romb webhook forgery property", () => {
  beforeAll(async () => {
    GENUINE = {
      json: eventOf(await provider.getWebhookActionAndData(webhook(jsonPayload(serializeJson(GENUINE_JSON))))),
      form: eventOf(await provider.getWebhookActionAndData({ data: {}, rawData: serializeForm(GENUINE_FORM), headers: { "content-type": FORM_TYPE } })),
    }
    expect(GENUINE.json).toEqual(
      expect.objectContaining({ action: "captured", session_id: SESSION, event_key: `${ID}:PAID`, gateway_status: "PAID", gateway_reference: ID })
    )
    expect(Number(GENUINE.json.amount)).toBe(2990.5)
    expect(GENUINE.form).toEqual(GENUINE.json)
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
    expect(tally.cases).toBe(NUM_RUNS.json + NUM_RUNS.form + NUM_RUNS.attack)
    expect(tally.duplicate).toBeGreaterThan(tally.cases * 0.05)
    expect(tally.unauthorized).toBeGreaterThan(tally.cases * 0.05)
    expect(tally.invalid).toBeGreaterThan(tally.cases * 0.2)
    expect(tally.disagreements).toBeGreaterThan(100)
    // many variants carry a signature Romb's PHP would accept: the property is about them
    expect(tally.referenceSigned - tally.duplicate).toBeGreaterThan(500)
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
      provider.getWebhookActionAndData({ data: {}, rawData: attack, headers: { "content-type": FORM_TYPE } })
    ).rejects.toEqual(invalid)
  })

  it("a JSON/form polyglot whose Content-Type names the form type in a parameter is refused", async () => {
    // valid JSON (an array holding the victim's order) and, to PHP's $_POST, the genuine signed fields
    const rest = JSON_BASE.slice("amount=".length)
    const polyglot = `[{"order_id":"${VICTIM_SESSION}","status":"PAID","amount":1,"id":"x"},"&amount=${formEncode(rest)}&sign=${JSON_SIGN}&["]`
    expect(JSON.parse(polyglot)[0]).toEqual(expect.objectContaining({ order_id: VICTIM_SESSION, status: "PAID" }))
    expect(verifyRombSignature(phpFormDecode(polyglot), SECRET)).toBe(true)
    for (const contentType of [`${JSON_TYPE}; x=${FORM_TYPE}`, JSON_TYPE, FORM_TYPE, `${FORM_TYPE}; x=${JSON_TYPE}`]) {
      await expect(provider.getWebhookActionAndData(webhook(jsonPayload(polyglot, contentType)))).rejects.toEqual(invalid)
    }
    // and the genuine JSON itself, sent with such a Content-Type
    await expect(
      provider.getWebhookActionAndData(webhook(jsonPayload(serializeJson(GENUINE_JSON), `${JSON_TYPE}; x=${FORM_TYPE}`)))
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
          await expect(provider.getWebhookActionAndData(webhook(jsonPayload(body, contentType)))).rejects.toEqual(invalid)
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
      expect(eventOf(await provider.getWebhookActionAndData(webhook(jsonPayload(raw))))).toEqual(GENUINE.json)
    }
    const form = serializeForm(GENUINE_FORM)
    for (const raw of [form.replace("amount=", "%61mount="), form.replace("%2B00", "%2b00"), form.replace("Two+mugs", "Two%20mugs"), form.replace("data%5B", "data[").replace("%5D=", "]=")]) {
      expect(raw).not.toBe(form)
      expect(eventOf(await provider.getWebhookActionAndData(webhook(jsonPayload(raw, FORM_TYPE))))).toEqual(GENUINE.form)
    }
  })

  // Known production gaps, reported to the lead. Each test states the intended behaviour and
  // fails today (hence it.failing); when the gap is closed, drop `.failing`.
  it.failing("KNOWN GAP: a nested index qs renumbers (data[1]) is accepted though $_POST and qs read it differently", async () => {
    const body = "id=t-1&order_id=" + SESSION + "&amount=10&status=PAID&data[1]=x"
    expect(formParsersDisagree(body)).toBe(true) // $_POST: data = {1: "x"}; qs: data = ["x"]
    const signed = `${body}&sign=${rombSignature(phpFormDecode(body), SECRET)}`
    await expect(provider.getWebhookActionAndData(webhook(jsonPayload(signed, FORM_TYPE)))).rejects.toEqual(invalid)
  })

  it.failing("KNOWN GAP: beyond 14 significant digits a JSON amount the signature does not cover is accepted as a different amount", async () => {
    // PHP prints floats with precision=14: 1234567.5 and 1234567.49999999 both sign as "1234567.5"
    const body = serializeJson({ ...UNSIGNED_JSON, members: UNSIGNED_JSON.members.map((m) => (m.key === "amount" ? { ...m, valLex: "1234567.5" } : m)) })
    const sign = rombSignature(readRombBody(body, JSON_TYPE), SECRET)
    const genuine = `${body.slice(0, -1)},"sign":"${sign}"}`
    const forged = genuine.replace("1234567.5", "1234567.49999999")
    const answer = provider.getWebhookActionAndData(webhook(jsonPayload(forged)))
    // intended: refused, or the same amount as the genuine notification
    await answer.then(
      async (a) => expect(eventOf(a)).toEqual(eventOf(await provider.getWebhookActionAndData(webhook(jsonPayload(genuine))))),
      (error) => expect(error).toBeInstanceOf(MedusaError)
    )
  })
})
