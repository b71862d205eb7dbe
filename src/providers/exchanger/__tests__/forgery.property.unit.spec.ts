import fc from "fast-check"
import { MedusaError } from "@medusajs/framework/utils"
import { phpFormDecode } from "../../../lib/php"
import {
  applyByteEdits,
  byteEditsArb,
  webhook,
  applyFormOp,
  contentTypeArb,
  eventOf,
  EventView,
  expressForm,
  FORM_TYPE,
  FormBody,
  formOpArb,
  formPair,
  FormPair,
  formParsersDisagree,
  isKnownQsRenumberingGap,
  mediaTypeOf,
  outcomeOf,
  serializeForm,
  SESSION,
  Tally,
  transportArb,
  transported,
  Variant,
  VICTIM_SESSION,
} from "../../../lib/__tests__/forgery-helpers"
import { ExchangerProviderService } from "../service"
import { IPN_CHECKSUM_FIELDS, ipnChecksum, IpnChecksumFields, orderIpnSecret } from "../signature"

/**
 * Forgery property for exchanger IPNs: sha256(orderId:newStatus:inAmount:
 * outAmount:xml_from:xml_to:timestamp:ipnSecret), the checksum in one of
 * several carriers, the session in the IPN URL's query string (it derives
 * the order's secret). Values are joined without names, so text can move
 * between neighbours; every value is held to a format without ":".
 */
const MASTER = "obmin-master-secret"
const provider = new ExchangerProviderService(
  {},
  {
    preset: "obmin",
    ipnSecret: MASTER,
    backendUrl: "http://localhost:9000",
    routes: { rub: { routeId: "65a1f0c2e4b0a1b2c3d4e5f6", toValues: [{ key: "wallet", value: "TXYZabcdefghijkmnopqrstuvwxyz12345" }], xmlFrom: "CARDRUB" } },
    timeoutMs: 500,
  }
)
const NUM_RUNS = 4000
const ORDER_SECRET = orderIpnSecret(MASTER, SESSION)
const QUERY = `session_id=${SESSION}`

// a fresh timestamp: the IPN is only accepted within ipnMaxAgeSeconds (900 s) of it
const FIELDS: IpnChecksumFields & { orderUID: string } = {
  orderUID: "1409",
  orderId: "65a1f0c2e4b0a1b2c3d4e5f7",
  newStatus: "inProgressPayout",
  inAmount: "1790.50",
  outAmount: "18.80",
  xml_from: "CARDRUB",
  xml_to: "USDTTRC20",
  timestamp: String(Date.now()),
}
const HASH = ipnChecksum(FIELDS, ORDER_SECRET)
const GENUINE_BODY: FormBody = {
  pairs: [
    ...Object.entries(FIELDS).map(([k, v]) => formPair(k, v as string)),
    formPair("toValues[0][key]", "wallet"),
    formPair("toValues[0][name]", "USDT TRC20 wallet"),
    formPair("toValues[0][value]", "***"),
    formPair("hash", HASH),
  ],
  leading: "",
  trailing: "",
}

const nameOf = (p: FormPair) => {
  try {
    return decodeURIComponent(p.name.replace(/\+/g, " "))
  } catch {
    return p.name
  }
}
/** The checksum's order: neighbours there are what a moved boundary shifts between. */
const signedOrder = (pairs: FormPair[]) =>
  IPN_CHECKSUM_FIELDS.flatMap((field) => pairs.filter((p) => nameOf(p) === field))

/** Where the checksum travels: a body field (hash, sign, checksum) or a header (x-hash, hash); exactly one is accepted. */
const CARRIERS = ["hash", "sign", "checksum", "x-hash", "hash-header", "hash+x-hash", "sign+hash", "x-hash+hash-header", "X-Hash", "none", "hash-upper"] as const
type Carrier = (typeof CARRIERS)[number]

const QUERIES = [
  QUERY,
  QUERY,
  `session%5Fid=${SESSION}`,
  `%73ession_id=${SESSION}`,
  `session_id=${SESSION.replace("p", "%70")}`,
  `session_id=${VICTIM_SESSION}`,
  `session_id=${SESSION}&session_id=${VICTIM_SESSION}`,
  `session_id=${VICTIM_SESSION}&session_id=${SESSION}`,
  `session_id[]=${SESSION}`,
  `session_id=${SESSION}&x=1`,
  `SESSION_ID=${SESSION}`,
  `session_id=${SESSION.toLowerCase()}`,
  `+session_id=${SESSION}`,
  `session.id=${SESSION}`,
  `session_id=${SESSION}&`,
  `session_id=${SESSION}#x`,
  `session_id=${SESSION}%00`,
  "",
  undefined,
]

function withCarrier(body: FormBody, carrier: Carrier, headers: Record<string, unknown>): FormBody {
  if (carrier === "hash") return body
  const pairs = body.pairs.filter((p) => nameOf(p) !== "hash")
  const hash = body.pairs.find((p) => nameOf(p) === "hash")?.value ?? HASH
  switch (carrier) {
    case "sign":
    case "checksum":
      pairs.push({ name: carrier, value: hash })
      break
    case "x-hash":
      headers["x-hash"] = hash
      break
    case "hash-header":
      headers.hash = hash
      break
    case "hash+x-hash":
      return (headers["x-hash"] = hash), body
    case "sign+hash":
      return { ...body, pairs: [...body.pairs, { name: "sign", value: hash }] }
    case "x-hash+hash-header":
      headers["x-hash"] = hash
      headers.hash = hash
      break
    case "X-Hash":
      // Node lowercases header names; an object with another spelling is not what a route hands over
      headers["X-Hash"] = hash
      break
    case "hash-upper":
      return { ...body, pairs: body.pairs.map((p) => (nameOf(p) === "hash" ? { ...p, value: (p.value ?? "").toUpperCase() } : p)) }
    case "none":
      break
  }
  return { ...body, pairs }
}

/** `text`: the bytes as text, so that a counterexample reads. */
type Case = { text: string; bytes: Buffer; headers: Record<string, unknown>; rawQuery?: string; transport: "buffer" | "string" | "serialized" }

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    ops: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 6, arbitrary: fc.array(formOpArb(["hash", "sign", "checksum", "orderId", "newStatus", "toValues[0][x]", "toValues"]), { minLength: 1, maxLength: 3 }) }),
    carrier: fc.oneof({ weight: 6, arbitrary: fc.constant<Carrier>("hash") }, { weight: 4, arbitrary: fc.constantFrom(...CARRIERS) }),
    query: fc.oneof({ weight: 6, arbitrary: fc.constant<string | undefined>(QUERY) }, { weight: 3, arbitrary: fc.constantFrom(...QUERIES) }),
    contentType: contentTypeArb(FORM_TYPE),
    edits: byteEditsArb,
    transport: transportArb,
  })
  .map(({ ops, carrier, query, contentType, edits, transport }) => {
    let body = GENUINE_BODY
    for (const op of ops) body = applyFormOp(body, op, signedOrder)
    const headers: Record<string, unknown> = { "content-type": contentType }
    body = withCarrier(body, carrier, headers)
    const bytes = applyByteEdits(Buffer.from(serializeForm(body), "utf8"), edits)
    return { text: bytes.toString("utf8"), bytes, headers, rawQuery: query, transport }
  })

/** Whether the doc's formula accepts the variant: the fields as $_POST reads them, the secret of the session the query names. */
function referenceVerifies(c: Case): boolean {
  try {
    const fields = Object.fromEntries(phpFormDecode(c.bytes.toString("utf8")))
    const session = c.rawQuery === undefined ? undefined : phpFormDecode(c.rawQuery).get("session_id")
    if (typeof session !== "string") return false
    const expected = ipnChecksum(fields as IpnChecksumFields, orderIpnSecret(MASTER, session))
    return [fields.hash, fields.sign, fields.checksum, c.headers["x-hash"], c.headers.hash].includes(expected)
  } catch {
    return false
  }
}

/**
 * Known gap (reported; pinned by an it.failing test below): orderUID is not
 * covered by the checksum, yet it becomes the event's gateway_reference. An
 * accepted event that differs from the genuine one only there, with the
 * variant's orderUID (as $_POST reads it) being that reference, is this gap.
 */
function orderUidGap(c: Case, event: EventView): string | undefined {
  const { gateway_reference: reference, ...rest } = event
  const { gateway_reference: _genuine, ...genuineRest } = GENUINE
  let uid: unknown
  try {
    uid = phpFormDecode(c.bytes.toString("utf8")).get("orderUID")
  } catch {
    return undefined
  }
  return JSON.stringify(rest) === JSON.stringify(genuineRest) && uid === reference && uid !== FIELDS.orderUID
    ? "orderUID outside the checksum"
    : undefined
}

const tally = new Tally()
let GENUINE: EventView

describe("Exchanger IPN forgery property", () => {
  beforeAll(async () => {
    GENUINE = eventOf(
      await provider.getWebhookActionAndData({ data: {}, rawData: serializeForm(GENUINE_BODY), headers: { "content-type": FORM_TYPE }, rawQuery: QUERY })
    )
    expect(GENUINE).toEqual({
      action: "authorized",
      session_id: SESSION,
      amount: expect.any(String),
      event_key: `${FIELDS.orderId}:inProgressPayout`,
      gateway_status: "inProgressPayout",
      gateway_reference: "1409",
    })
  })

  afterAll(() => {
    console.log(tally.summary("Exchanger", { forms: true }))
  })

  it("variants of a genuine IPN: refused, or the genuine event exactly; what $_POST and qs read differently is refused", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const variant: Variant = { rawData: transported(c.bytes, c.transport), headers: c.headers, rawQuery: c.rawQuery }
        const outcome = await outcomeOf(provider, variant, GENUINE, tally, (event) => orderUidGap(c, event))
        tally.record(outcome)
        tally.reference(referenceVerifies(c), outcome)
        const text = c.bytes.toString("utf8")
        if (mediaTypeOf(c.headers["content-type"]) === FORM_TYPE && Buffer.from(text, "utf8").equals(c.bytes) && formParsersDisagree(text)) {
          tally.disagreements++
          if (outcome === "invalid_data") tally.disagreementsRefused++
          else if (isKnownQsRenumberingGap(text, ["toValues"])) tally.gap("nested index qs renumbers")
          else throw new Error(`$_POST and qs read this body differently, yet it was ${outcome}: ${text}`)
        }
      }),
      { numRuns: NUM_RUNS }
    )
  })

  it("the generators reach both outcomes: re-encodings accepted as duplicates, forgeries refused", () => {
    expect(tally.cases).toBe(NUM_RUNS)
    expect(tally.duplicate).toBeGreaterThan(tally.cases * 0.05)
    // the fields' formats are checked before the checksum here, so most forgeries are invalid data
    expect(tally.unauthorized).toBeGreaterThan(tally.cases * 0.02)
    expect(tally.invalid).toBeGreaterThan(tally.cases * 0.2)
    expect(tally.disagreements).toBeGreaterThan(100)
    expect(tally.referenceSigned - tally.duplicate).toBeGreaterThan(300)
  })
})

describe("Exchanger: the attacks the property is built around", () => {
  const raw = serializeForm(GENUINE_BODY)
  const send = (rawData: string, extra: Partial<Variant> = {}) =>
    provider.getWebhookActionAndData(webhook({ rawData, headers: { "content-type": FORM_TYPE }, rawQuery: QUERY, ...extra }))

  it("the checksum in any one carrier is the genuine event; in two, or uppercase, it is refused", async () => {
    const bare = raw.replace(`&hash=${HASH}`, "")
    expect(eventOf(await send(bare, { headers: { "content-type": FORM_TYPE, "x-hash": HASH } }))).toEqual(GENUINE)
    expect(eventOf(await send(`${bare}&sign=${HASH}`))).toEqual(GENUINE)
    expect(eventOf(await send(`checksum=${HASH}&${bare}`))).toEqual(GENUINE)
    await expect(send(raw, { headers: { "content-type": FORM_TYPE, "x-hash": HASH } })).rejects.toMatchObject({ type: "invalid_data" })
    await expect(send(`${raw}&sign=${HASH}`)).rejects.toMatchObject({ type: "invalid_data" })
    await expect(send(raw.replace(HASH, HASH.toUpperCase()))).rejects.toMatchObject({ type: "unauthorized" })
  })

  it("the victim's session in the IPN URL derives another secret; two session ids are refused", async () => {
    await expect(send(raw, { rawQuery: `session_id=${VICTIM_SESSION}` })).rejects.toMatchObject({ type: "unauthorized" })
    await expect(send(raw, { rawQuery: `session_id=${SESSION}&session_id=${VICTIM_SESSION}` })).rejects.toMatchObject({ type: "invalid_data" })
    await expect(send(raw, { rawQuery: `session_id=${VICTIM_SESSION}&session_id=${SESSION}` })).rejects.toMatchObject({ type: "invalid_data" })
  })

  it("a duplicated or mangled field that $_POST and qs read differently is refused before the checksum", async () => {
    for (const variant of [
      `${raw}&newStatus=done`,
      `newStatus=done&${raw}`,
      `${raw}&new+Status=done`,
      `${raw}&newStatus[]=done`,
      `${raw}&[newStatus]=done`,
      `+${raw}`,
      raw.replace("newStatus=", "new.Status="),
    ]) {
      expect(formParsersDisagree(variant)).toBe(true)
      await expect(send(variant)).rejects.toMatchObject({ type: "invalid_data" })
    }
    expect(expressForm(`${raw}&newStatus=done`)).toEqual(expect.objectContaining({ newStatus: ["inProgressPayout", "done"] }))
  })

  it("toValues (payout requisites) may come in any shape the doc shows, and are dropped", async () => {
    const answer = await send(`${raw}&toValues[0][extra]=memo&toValues[0][0]=x`)
    expect(eventOf(answer)).toEqual(GENUINE)
    expect(JSON.stringify(answer.verified.data.notification)).not.toMatch(/toValues|wallet|\*\*\*/)
  })

  // Known production gaps, reported to the lead. Each test states the intended behaviour and
  // fails today (hence it.failing); when the gap is closed, drop `.failing`.
  it.failing("KNOWN GAP: orderUID is outside the checksum, yet becomes the event's gateway_reference", async () => {
    const forged = raw.replace("orderUID=1409", "orderUID=777")
    const answer = send(forged)
    // intended: refused, or the genuine event (gateway_reference 1409, e.g. from the session)
    await answer.then(
      (a) => expect(eventOf(a)).toEqual(GENUINE),
      (error) => expect(error).toBeInstanceOf(MedusaError)
    )
  })

  it.failing("KNOWN GAP: a toValues index qs renumbers (toValues[1]) is accepted though $_POST and qs read it differently", async () => {
    const variant = raw.replace(/toValues%5B0%5D/g, "toValues%5B1%5D")
    expect(formParsersDisagree(variant)).toBe(true) // $_POST: toValues = {1: {...}}; qs: toValues = [{...}]
    await expect(send(variant)).rejects.toMatchObject({ type: "invalid_data" })
  })
})
