import fc from "fast-check"
import { MedusaError } from "@medusajs/framework/utils"
import { phpJsonDecode, PhpArray } from "../../../lib/php"
import {
  applyByteEdits,
  byteEditsArb,
  webhook,
  applyJsonOp,
  contentTypeArb,
  eventOf,
  EventView,
  JSON_TYPE,
  JsonBody,
  jsonMember,
  JsonMember,
  jsonOpArb,
  outcomeOf,
  serializeJson,
  SESSION,
  Tally,
  transportArb,
  transported,
  Variant,
  VICTIM_SESSION,
} from "../../../lib/__tests__/forgery-helpers"
import { RubitPayProviderService } from "../service"
import { rubitPaySignature, rubitPaySignatureBase, verifyRubitPaySignature } from "../signature"

/**
 * Forgery property for RubitPay webhooks. RubitPay signs the values sorted
 * by name and joined with ":" (names are not signed), so text can move from
 * one value into its neighbour, across the colons inside created_at, or into
 * a new field sorted between two others, and the signature still verifies:
 * only the doc's exact field set and formats can refuse that.
 */
const SECRET = "rubit-secret-1"
const SHOP = "1042"
const provider = new RubitPayProviderService({}, { shopId: SHOP, secretKey: SECRET, baseUrl: "http://127.0.0.1:1/rubitpay", timeoutMs: 500 })
const NUM_RUNS = 4000

const FIELDS: Record<string, string> = {
  shop_id: SHOP,
  shop_order_id: SESSION,
  invoice_id: "880011",
  status: "success",
  amount: "1790.50",
  currency: "RUB",
  created_at: "2026-01-15T10:30:45+03:00",
}
const SIGN = rubitPaySignature(FIELDS, SECRET)
const GENUINE_BODY: JsonBody = {
  members: [...Object.entries(FIELDS), ["sign", SIGN]].map(([k, v]) => jsonMember(k, JSON.stringify(v))),
  ws: "",
  leading: "",
  trailing: "",
  wrapArray: false,
}
const payload = (raw: string | Buffer, contentType: unknown = JSON_TYPE): Variant => ({ rawData: raw, headers: { "content-type": contentType } })

const signedOrder = (members: JsonMember[]) => members.filter((m) => m.key !== "sign").sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))

/** Choose `count` distinct split points out of `positions`, from seeds. */
function choose(positions: number[], count: number, seeds: number[]): number[] | undefined {
  if (positions.length < count) return undefined
  const pool = [...positions]
  const chosen: number[] = []
  for (let i = 0; i < count; i++) chosen.push(pool.splice(seeds[i % seeds.length] % pool.length, 1)[0])
  return chosen.sort((a, b) => a - b)
}

/**
 * Re-splits the signed string among the signed fields (plus, optionally, a
 * new field sorted among them): the sorted values joined with ":" stay the
 * same, so the signature verifies.
 */
type ResplitOp = { kind: "resplit"; seeds: number[]; extra?: string }
const resplitArb: fc.Arbitrary<ResplitOp> = fc.record(
  {
    kind: fc.constant("resplit" as const),
    seeds: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
    extra: fc.constantFrom("amount0", "created", "created_at_", "currency0", "invoice", "shop_id0", "shop_order", "status0", "a", "zz", "sign_"),
  },
  { requiredKeys: ["kind", "seeds"] }
)

function resplit(body: JsonBody, op: ResplitOp): JsonBody {
  let model: PhpArray
  try {
    model = phpJsonDecode(serializeJson({ ...body, leading: "", trailing: "", wrapArray: false })) as PhpArray
  } catch {
    return body
  }
  const params = Object.fromEntries(model)
  const joined = rubitPaySignatureBase(params)
  const keys = Object.keys(params).filter((k) => k !== "sign" && params[k] !== null).concat(op.extra && !(op.extra in params) ? [op.extra] : []).sort()
  const colons = [...joined].flatMap((c, i) => (c === ":" ? [i] : []))
  const cuts = choose(colons, keys.length - 1, op.seeds)
  if (!cuts) return body
  const values = [-1, ...cuts].map((start, i) => joined.slice(start + 1, i < cuts.length ? cuts[i] : joined.length))
  const members = [...keys.map((k, i) => jsonMember(k, JSON.stringify(values[i]))), ...body.members.filter((m) => m.key === "sign")]
  return { ...body, members }
}

/** RubitPay-specific spellings: numbers for strings (Python's str() of 1042 is "1042"), nulls (left out of the signature). */
type ValueOp = { kind: "numberSwap"; member: number } | { kind: "nullField"; name: string } | { kind: "amountLexeme"; lexeme: string }
const valueOpArb: fc.Arbitrary<ValueOp> = fc.oneof(
  fc.record({ kind: fc.constant("numberSwap" as const), member: fc.nat() }),
  fc.record({ kind: fc.constant("nullField" as const), name: fc.constantFrom("x", "amount", "status", "add_ons", "note", "shop_order_id", "refund_amount") }),
  fc.record({ kind: fc.constant("amountLexeme" as const), lexeme: fc.constantFrom('"1790.5"', "1790.50", "1790.5", '"1790.500"', '"1790.50 "', '"01790.50"', "1.7905e3", '"1790,50"', '"1790.51"') })
)

function applyValueOp(body: JsonBody, op: ValueOp): JsonBody {
  const members = body.members.map((m) => ({ ...m }))
  if (op.kind === "nullField") {
    const existing = members.find((m) => m.key === op.name)
    if (existing) existing.valLex = "null"
    else members.splice(members.length - 1, 0, jsonMember(op.name, "null"))
  } else if (op.kind === "amountLexeme") {
    for (const m of members) if (m.key === "amount") m.valLex = op.lexeme
  } else {
    const m = members[op.member % members.length]
    if (/^"[0-9.]+"$/.test(m.valLex)) m.valLex = m.valLex.slice(1, -1)
    else if (/^[0-9.]+$/.test(m.valLex)) m.valLex = JSON.stringify(m.valLex)
  }
  return { ...body, members }
}

/** `text`: the bytes as text, so that a counterexample reads. */
type Case = { text: string; bytes: Buffer; contentType: unknown; transport: "buffer" | "string" | "serialized" }

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    ops: fc.oneof(
      { weight: 1, arbitrary: fc.constant([]) },
      {
        weight: 6,
        arbitrary: fc.array(
          fc.oneof(
            { weight: 10, arbitrary: jsonOpArb(["sign", "shop_order_id", "add_ons", "currency", "created_at"]) },
            { weight: 3, arbitrary: resplitArb },
            { weight: 3, arbitrary: valueOpArb }
          ),
          { minLength: 1, maxLength: 3 }
        ),
      }
    ),
    contentType: contentTypeArb(JSON_TYPE),
    edits: byteEditsArb,
    transport: transportArb,
  })
  .map(({ ops, contentType, edits, transport }) => {
    let body = GENUINE_BODY
    for (const op of ops) {
      if (op.kind === "resplit") body = resplit(body, op)
      else if (op.kind === "numberSwap" || op.kind === "nullField" || op.kind === "amountLexeme") body = applyValueOp(body, op)
      else body = applyJsonOp(body, op, signedOrder)
    }
    const bytes = applyByteEdits(Buffer.from(serializeJson(body), "utf8"), edits)
    return { text: bytes.toString("utf8"), bytes, contentType, transport }
  })

const tally = new Tally()
let GENUINE: EventView

/** Whether the doc's Python (`json.loads`, then make_sign) would take the variant's signature as valid. */
function referenceVerifies(bytes: Buffer): boolean {
  try {
    const model = phpJsonDecode(bytes.toString("utf8"))
    return model instanceof Map && verifyRubitPaySignature(Object.fromEntries(model), SECRET)
  } catch {
    return false
  }
}

describe("RubitPay webhook forgery property", () => {
  beforeAll(async () => {
    GENUINE = eventOf(await provider.verifyWebhook(webhook(payload(serializeJson(GENUINE_BODY)))))
    expect(GENUINE).toEqual({
      action: "captured",
      session_id: SESSION,
      amount: expect.any(String),
      currency_code: "rub",
      event_key: "880011:captured",
      gateway_status: "success",
      gateway_reference: "880011",
    })
    expect(Number(GENUINE.amount)).toBe(1790.5)
  })

  afterAll(() => {
    console.log(tally.summary("RubitPay"))
  })

  it("variants of a genuine notification: refused, or the genuine event exactly", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const outcome = await outcomeOf(provider, { rawData: transported(c.bytes, c.transport), headers: { "content-type": c.contentType } }, GENUINE)
        tally.record(outcome)
        tally.reference(referenceVerifies(c.bytes), outcome)
      }),
      { numRuns: NUM_RUNS }
    )
  })

  it("the generators reach both outcomes: re-encodings accepted as duplicates, forgeries refused", () => {
    expect(tally.cases).toBe(NUM_RUNS)
    expect(tally.duplicate).toBeGreaterThan(tally.cases * 0.05)
    expect(tally.unauthorized).toBeGreaterThan(tally.cases * 0.05)
    expect(tally.invalid).toBeGreaterThan(tally.cases * 0.2)
    // many variants carry a signature RubitPay's Python would accept: the property is about them
    expect(tally.referenceSigned - tally.duplicate).toBeGreaterThan(300)
  })
})

describe("RubitPay: the attacks the property is built around", () => {
  const invalid = expect.objectContaining({ type: MedusaError.Types.INVALID_DATA })
  const send = (fields: Record<string, unknown>) =>
    provider.verifyWebhook(webhook(payload(JSON.stringify({ ...fields, sign: SIGN }))))

  it("every re-split of the signed string verifies, and every one but the genuine is refused by the formats", async () => {
    const joined = rubitPaySignatureBase(FIELDS)
    const keys = Object.keys(FIELDS).sort()
    const colons = [...joined].flatMap((c, i) => (c === ":" ? [i] : []))
    expect(colons).toHaveLength(9) // 6 separators and the 3 colons inside created_at
    let resplits = 0
    // every choice of 6 of the 9 colons
    const choices = (from: number, left: number): number[][] =>
      left === 0 ? [[]] : colons.slice(from).flatMap((c, i) => choices(from + i + 1, left - 1).map((rest) => [c, ...rest]))
    for (const cuts of choices(0, keys.length - 1)) {
      const values = [-1, ...cuts].map((start, i) => joined.slice(start + 1, i < cuts.length ? cuts[i] : joined.length))
      const fields = Object.fromEntries(keys.map((k, i) => [k, values[i]]))
      expect(verifyRubitPaySignature({ ...fields, sign: SIGN }, SECRET)).toBe(true)
      if (values.join() === keys.map((k) => FIELDS[k]).join()) continue
      resplits++
      await expect(send(fields)).rejects.toEqual(invalid)
    }
    expect(resplits).toBe(83) // C(9,6) - 1
  })

  it("a field the doc does not list, or a null one (left out of the signature), is refused", async () => {
    // created_at "2026-01-15T10:30" is valid ISO 8601, and "created_at_" sorts right after it
    const split = { ...FIELDS, created_at: "2026-01-15T10:30", created_at_: "45+03:00" }
    expect(verifyRubitPaySignature({ ...split, sign: SIGN }, SECRET)).toBe(true)
    await expect(send(split)).rejects.toEqual(invalid)
    expect(verifyRubitPaySignature({ ...FIELDS, note: null, sign: SIGN }, SECRET)).toBe(true)
    await expect(send({ ...FIELDS, note: null })).rejects.toEqual(invalid)
  })

  it("a JSON body with a Content-Type parameter naming the form type is refused", async () => {
    await expect(
      provider.verifyWebhook(webhook(payload(serializeJson(GENUINE_BODY), "application/json; x=application/x-www-form-urlencoded")))
    ).rejects.toEqual(invalid)
  })

  it("re-encodings are the genuine event: key order, escapes, whitespace, a number for a numeric id", async () => {
    const raw = serializeJson(GENUINE_BODY)
    for (const variant of [
      serializeJson({ ...GENUINE_BODY, ws: " ", members: [...GENUINE_BODY.members].reverse() }),
      raw.replace('"success"', '"\\u0073uccess"'),
      raw.replace('"invoice_id":"880011"', '"invoice_id":880011').replace(`"shop_id":"${SHOP}"`, `"shop_id":${SHOP}`),
      `\n${raw}\n`,
    ]) {
      expect(eventOf(await provider.verifyWebhook(webhook(payload(variant))))).toEqual(GENUINE)
    }
  })
})
