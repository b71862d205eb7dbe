import fc from "fast-check"
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
  mediaTypeOf,
  NestedField,
  nestedNames,
  outcomeOf,
  serializeForm,
  SESSION,
  Tally,
  transportArb,
  transported,
  Variant,
  VICTIM_SESSION,
} from "../../../lib/__tests__/forgery-helpers"
import type { VerifiedWebhookAnswer } from "../../base/redirect-provider"
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
const NUM_RUNS = { variants: 4000, toValues: 1200 }
/** The payout requisites, as the provider reads them: `toValues[0][key]`, an index in order, then names. */
const TO_VALUES: NestedField = { base: "toValues", depth: 2, indexed: true }
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
    ops: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 6, arbitrary: fc.array(formOpArb(["hash", "sign", "checksum", "orderId", "newStatus", "toValues[0][x]", "toValues"], TO_VALUES), { minLength: 1, maxLength: 3 }) }),
    // orderUID is outside the checksum: another order's number (valid or not) must change nothing
    orderUID: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("777", "1408", "1", "0", "999999999999999999", "1409x", "-1", "") }),
    carrier: fc.oneof({ weight: 6, arbitrary: fc.constant<Carrier>("hash") }, { weight: 4, arbitrary: fc.constantFrom(...CARRIERS) }),
    query: fc.oneof({ weight: 6, arbitrary: fc.constant<string | undefined>(QUERY) }, { weight: 3, arbitrary: fc.constantFrom(...QUERIES) }),
    contentType: contentTypeArb(FORM_TYPE),
    edits: byteEditsArb,
    transport: transportArb,
  })
  .map(({ ops, orderUID, carrier, query, contentType, edits, transport }) => {
    let body = orderUID === undefined ? GENUINE_BODY : { ...GENUINE_BODY, pairs: GENUINE_BODY.pairs.map((p) => (nameOf(p) === "orderUID" ? formPair("orderUID", orderUID) : p)) }
    for (const op of ops) body = applyFormOp(body, op, signedOrder)
    const headers: Record<string, unknown> = { "content-type": contentType }
    body = withCarrier(body, carrier, headers)
    const bytes = applyByteEdits(Buffer.from(serializeForm(body), "utf8"), edits)
    return { text: bytes.toString("utf8"), bytes, headers, rawQuery: query, transport }
  })

/**
 * The genuine IPN with its toValues reshaped (items added at an index in
 * order or not, names both parsers read alike or not, too deep, renumbered,
 * reordered), sent as the engine sends it: toValues is outside the checksum,
 * so what the strict read accepts must be the genuine event.
 */
const toValuesCaseArb: fc.Arbitrary<Case> = fc
  .record({
    ops: fc.array(formOpArb([], TO_VALUES).filter((op) => op.kind === "nested" || op.kind === "reindex" || op.kind === "reorder"), { minLength: 1, maxLength: 3 }),
    withoutGenuine: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    transport: transportArb,
  })
  .map(({ ops, withoutGenuine, transport }) => {
    let body: FormBody = withoutGenuine ? { ...GENUINE_BODY, pairs: GENUINE_BODY.pairs.filter((p) => !nameOf(p).startsWith("toValues")) } : GENUINE_BODY
    for (const op of ops) body = applyFormOp(body, op, signedOrder)
    const bytes = Buffer.from(serializeForm(body), "utf8")
    return { text: bytes.toString("utf8"), bytes, headers: { "content-type": FORM_TYPE }, rawQuery: QUERY, transport }
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

/** The orderUID $_POST reads from a variant (undefined when it reads none, or cannot read the body). */
function orderUidOf(c: Case): unknown {
  try {
    return phpFormDecode(c.text).get("orderUID")
  } catch {
    return undefined
  }
}

/** What an accepted IPN stores and acts on: the genuine event (no reference), and nothing from outside the checksum. */
function acceptedIpn(answer: VerifiedWebhookAnswer) {
  const { data } = answer.verified
  expect(data.gateway_reference).toBeUndefined()
  const notification = data.notification as Record<string, unknown>
  expect(notification.orderUID).toBeUndefined()
  expect(JSON.stringify(notification)).not.toMatch(/orderUID|toValues|wallet|\*\*\*/)
}

const tally = new Tally()
let GENUINE: EventView

async function checkCase(c: Case) {
  const variant: Variant = { rawData: transported(c.bytes, c.transport), headers: c.headers, rawQuery: c.rawQuery }
  const outcome = await outcomeOf(provider, variant, GENUINE, acceptedIpn)
  tally.record(outcome)
  tally.reference(referenceVerifies(c), outcome)
  const text = c.bytes.toString("utf8")
  const formText = mediaTypeOf(c.headers["content-type"]) === FORM_TYPE && Buffer.from(text, "utf8").equals(c.bytes)
  const disagree = formText && formParsersDisagree(text)
  // what $_POST and Express's qs read differently is refused before the checksum, without exception
  if (disagree) {
    tally.disagreements++
    if (outcome === "invalid_data") tally.disagreementsRefused++
    else throw new Error(`$_POST and qs read this body differently, yet it was ${outcome}: ${text}`)
  }
  // shapes the generators must reach: toValues beyond the genuine three pairs, another order's number
  const toValues = formText ? nestedNames(text, "toValues") : []
  const genuineToValues = ["toValues[0][key]", "toValues[0][name]", "toValues[0][value]"]
  if (toValues.some((name) => !genuineToValues.includes(name))) {
    const indexed = toValues.some((name) => !name.startsWith("toValues[0]"))
    tally.reach(`other toValues${indexed ? " (another index)" : ""}, ${disagree ? "parsers disagree" : "parsers agree"}, ${outcome}`)
  }
  const uid = orderUidOf(c)
  if (typeof uid === "string" && uid !== FIELDS.orderUID) tally.reach(`another orderUID, ${outcome}`)
}

describe("Exchanger IPN forgery property", () => {
  beforeAll(async () => {
    GENUINE = eventOf(
      await provider.verifyWebhook({ data: {}, rawData: serializeForm(GENUINE_BODY), headers: { "content-type": FORM_TYPE }, rawQuery: QUERY })
    )
    expect(GENUINE).toEqual({
      action: "authorized",
      session_id: SESSION,
      amount: expect.any(String),
      event_key: `${FIELDS.orderId}:inProgressPayout`,
      gateway_status: "inProgressPayout",
    })
    // orderUID is not covered by the checksum: the IPN names no reference (the session keeps the one the order was created with)
    expect(GENUINE.gateway_reference).toBeUndefined()
  })

  afterAll(() => {
    console.log(tally.summary("Exchanger", { forms: true }))
  })

  it("variants of a genuine IPN: refused, or the genuine event exactly; what $_POST and qs read differently is refused", async () => {
    await fc.assert(fc.asyncProperty(caseArb, checkCase), { numRuns: NUM_RUNS.variants })
  })

  it("toValues shapes: items at the next index and names both parsers read alike are the genuine event; the others are refused", async () => {
    await fc.assert(fc.asyncProperty(toValuesCaseArb, checkCase), { numRuns: NUM_RUNS.toValues })
  })

  it("the generators reach both outcomes: re-encodings accepted as duplicates, forgeries refused", () => {
    expect(tally.cases).toBe(NUM_RUNS.variants + NUM_RUNS.toValues)
    expect(tally.duplicate).toBeGreaterThan(tally.cases * 0.05)
    // the fields' formats are checked before the checksum here, so most forgeries are invalid data
    expect(tally.unauthorized).toBeGreaterThan(tally.cases * 0.02)
    expect(tally.invalid).toBeGreaterThan(tally.cases * 0.2)
    expect(tally.disagreements).toBeGreaterThan(100)
    expect(tally.disagreementsRefused).toBe(tally.disagreements)
    expect(tally.referenceSigned - tally.duplicate).toBeGreaterThan(300)
    // toValues is outside the checksum: items at the next index, and names both parsers read alike, are the genuine event;
    // indexes out of order or with a gap, digits and prototype names are refused
    expect(tally.count("other toValues (another index), parsers agree, duplicate")).toBeGreaterThan(20)
    expect(tally.count("other toValues, parsers agree, duplicate")).toBeGreaterThan(20)
    expect(tally.count("other toValues (another index), parsers disagree, invalid_data")).toBeGreaterThan(20)
    expect(tally.count("other toValues, parsers disagree, invalid_data")).toBeGreaterThan(20)
    // another order's number, outside the checksum, is accepted as the genuine event (no reference taken from it)
    expect(tally.count("another orderUID, duplicate")).toBeGreaterThan(20)
  })
})

describe("Exchanger: the attacks the property is built around", () => {
  const raw = serializeForm(GENUINE_BODY)
  const send = (rawData: string, extra: Partial<Variant> = {}) =>
    provider.verifyWebhook(webhook({ rawData, headers: { "content-type": FORM_TYPE }, rawQuery: QUERY, ...extra }))

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
    for (const variant of [
      `${raw}&toValues[0][extra]=memo`,
      `${raw}&toValues[1][key]=memo&toValues[1][value]=x`,
      `${raw}&toValues%5B1%5D%5Bkey%5D=memo&toValues[2][key]=tag&toValues[0][extra]=x`,
      raw.replace(/&toValues%5B0%5D%5B(name|value)%5D=[^&]*/g, ""),
      raw.replace(/&toValues%5B0%5D%5B\w+%5D=[^&]*/g, ""),
    ]) {
      expect(variant).not.toBe(raw)
      expect(formParsersDisagree(variant)).toBe(false)
      const answer = await send(variant)
      expect(eventOf(answer)).toEqual(GENUINE)
      acceptedIpn(answer)
    }
  })

  it("orderUID is outside the checksum: another order's number is the genuine event, with no reference taken from it", async () => {
    const genuine = await send(raw)
    expect(genuine.verified.data.gateway_reference).toBeUndefined()
    acceptedIpn(genuine)
    for (const uid of ["777", "1408", "1"]) {
      const forged = raw.replace("orderUID=1409", `orderUID=${uid}`)
      expect(referenceVerifies({ text: forged, bytes: Buffer.from(forged), headers: {}, rawQuery: QUERY, transport: "string" })).toBe(true)
      const answer = await send(forged)
      expect(eventOf(answer)).toEqual(GENUINE)
      // all of it (the sealed confirmation differs only by when it was made)
      const { seal: _seal, confirmed_at: _at, ...confirmation } = genuine.verified.data.confirmation
      expect(answer.verified).toEqual({ ...genuine.verified, data: { ...genuine.verified.data, confirmation: { ...confirmation, confirmed_at: expect.any(String), seal: expect.any(String) } } })
      acceptedIpn(answer)
    }
    // it still has to be an order's number
    for (const uid of ["1409x", "", "-1", "1409%3A1"]) {
      await expect(send(raw.replace("orderUID=1409", `orderUID=${uid}`))).rejects.toMatchObject({ type: "invalid_data" })
    }
  })

  it("a toValues index qs renumbers (toValues[1] first, a gap, an index spelled otherwise) is refused before the checksum", async () => {
    for (const variant of [
      // $_POST: toValues = {1: {...}}; qs: toValues = [{...}]
      raw.replace(/toValues%5B0%5D/g, "toValues%5B1%5D"),
      // $_POST: {0: ..., 2: ...}; qs: [..., ...]
      `${raw}&toValues[2][key]=memo`,
      // $_POST: {1: ..., 0: ...}; qs: [0, 1] in order
      `toValues[1][key]=memo&${raw}`,
      // qs turns [__proto__] into nothing
      `${raw}&toValues[__proto__][key]=memo`,
    ]) {
      expect(formParsersDisagree(variant)).toBe(true)
      await expect(send(variant)).rejects.toMatchObject({ type: "invalid_data", message: expect.stringMatching(/toValues/) })
    }
    // an index neither in order nor a name, and a digit or prototype name where the doc has names: refused as well
    for (const variant of [`${raw}&toValues[01][key]=m`, `${raw}&toValues[0][0]=x`, `${raw}&toValues[0][constructor]=x`, `${raw}&toValues[x][key]=m`, `${raw}&toValues[1][key][x]=m`]) {
      await expect(send(variant)).rejects.toMatchObject({ type: "invalid_data" })
    }
  })
})
