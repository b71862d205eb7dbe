/**
 * Each gateway's webhook verification in-process: the plugin's strict parse
 * of the raw bytes + its signature check (src/providers/<gateway>/signature.ts,
 * as the provider calls them), the provider's whole `verifyWebhook`
 * (which adds the field formats), and Node's raw crypto over the same bytes
 * (one HMAC-SHA256 or SHA-256 of the body, the least any verification costs:
 * the one-shot `crypto.hash` for SHA-256, as the plugin itself uses it).
 * Interleaved and repeated; the median of the rounds. Needs ts-node registered.
 */
const { createHmac, hash } = require("node:crypto")
const { performance } = require("node:perf_hooks")
const path = require("node:path")

const SESSION = "payses_01M831QNM9XP40S2AHGCZR5J5A"

/** µs per call of `fn`, timed over about `ms` after a warm-up of a quarter of that (so the code is optimized). */
function timeOp(fn, ms) {
  const warm = performance.now()
  for (let i = 0; performance.now() - warm < ms / 4 || i < 200; i++) fn(i)
  let iterations = 0
  let batch = 64
  const start = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn(i)
    iterations += batch
    elapsed = performance.now() - start
    if (elapsed < ms / 4) batch *= 2
  }
  return (elapsed * 1000) / iterations
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The payment module's provider options of the app the benchmark boots (medusa-config.ts), by registration id. */
function appProviderOptions() {
  const config = require(path.join(__dirname, "../../medusa-config"))
  // defineConfig gives the modules by key
  const modules = Array.isArray(config.modules) ? config.modules : Object.values(config.modules)
  const payment = modules.find((m) => m.resolve === "@medusajs/medusa/payment")
  return Object.fromEntries(payment.options.providers.map((p) => [p.id, p.options]))
}

/** The three gateways' genuine notifications (the sandbox's signers) and what verifies them. */
function cases() {
  const { rombSignature: sandboxRombSignature, rubitPaySignature: sandboxRubitPaySignature } = require("../../sandbox/signers")
  const { exchangerIpnForm } = require("../../sandbox/exchanger")
  const { JsonLexeme, jsonText } = require("../../sandbox/body-text")
  const { readRombBody, verifyRombSignature } = require("../../src/providers/romb/signature")
  const { verifyRubitPaySignature } = require("../../src/providers/rubitpay/signature")
  const { orderIpnSecret, verifyIpnChecksum } = require("../../src/providers/exchanger/signature")
  const { parseStrictJsonObject, parseStrictForm } = require("../../src/lib/webhook-body")
  const { plainFields } = require("../../src/lib/notification-fields")
  const { RombProviderService } = require("../../src/providers/romb/service")
  const { RubitPayProviderService } = require("../../src/providers/rubitpay/service")
  const { ExchangerProviderService } = require("../../src/providers/exchanger/service")
  const options = appProviderOptions()

  // Romb: the sandbox's body for a paid order
  const romb = options.romb
  const rombSecret = romb.webhookSecret ?? romb.privateKey
  const rombFields = {
    id: "a1b2c3d4-e5f6-4890-abcd-ef1234567890",
    order_id: SESSION,
    amount: new JsonLexeme("1790.50"),
    data: { customer_email: "buyer@example.com", description: `Order ${SESSION}` },
    createdDateTime: "2026-11-23T01:30:45+00:00",
    status: "PAID",
  }
  const rombBody = `${jsonText(rombFields).slice(0, -1)},"sign":${JSON.stringify(sandboxRombSignature(rombFields, "json", rombSecret))}}`

  // RubitPay: the sandbox's eight fields
  const rubitpay = options.rubitpay
  const rubitFields = {
    shop_id: rubitpay.shopId, shop_order_id: SESSION, invoice_id: "700001", status: "success",
    amount: "1790.50", currency: "RUB", created_at: new Date().toISOString(), sign: "",
  }
  rubitFields.sign = sandboxRubitPaySignature(rubitFields, rubitpay.secretKey)
  const rubitBody = JSON.stringify(rubitFields)

  // Exchanger: the sandbox's IPN for a done order (its payout requisites masked), hashed with the order's ipnSecret
  // (the one the plugin sends with the order)
  const obmin = options.obmin
  const orderSecret = orderIpnSecret(obmin.ipnSecret, SESSION)
  const ipnOrder = {
    _id: "65a1f0c2e4b0a1b2c3d4e5aa", uid: 1400, inAmount: "1790.5", outAmount: "18.80", xml_from: "CARDRUB", xml_to: "USDTTRC20",
    toValues: [{ key: "wallet", value: "TXYZ1234567890" }], hideOutData: true,
  }
  const ipnBody = exchangerIpnForm(ipnOrder, { newStatus: "done", timestamp: String(Date.now()), ipnSecret: orderSecret })
  const rawQuery = `session_id=${SESSION}`

  const payload = (body, contentType, query) => ({ data: {}, rawData: Buffer.from(body), headers: { "content-type": contentType }, rawQuery: query })
  const rombProvider = new RombProviderService({}, romb)
  const rubitProvider = new RubitPayProviderService({}, rubitpay)
  const exchangerProvider = new ExchangerProviderService({}, obmin)

  return [
    {
      gateway: "Romb",
      bytes: rombBody.length,
      raw: { name: "createHmac sha256", fn: () => createHmac("sha256", rombSecret).update(rombBody).digest("hex") },
      plugin: {
        name: "verifyRombSignature(readRombBody())",
        parse: () => readRombBody(rombBody, "application/json"),
        check: (fields) => verifyRombSignature(fields, rombSecret),
      },
      provider: { payload: payload(rombBody, "application/json"), service: rombProvider },
    },
    {
      gateway: "RubitPay",
      bytes: rubitBody.length,
      raw: { name: "hash sha256", fn: () => hash("sha256", rubitBody, "hex") },
      plugin: {
        name: "verifyRubitPaySignature(parseStrictJsonObject())",
        parse: () => Object.fromEntries(parseStrictJsonObject("RubitPay", rubitBody, "python")),
        check: (fields) => verifyRubitPaySignature(fields, rubitpay.secretKey),
      },
      provider: { payload: payload(rubitBody, "application/json"), service: rubitProvider },
    },
    {
      gateway: "Exchanger",
      bytes: ipnBody.length,
      raw: { name: "hash sha256", fn: () => hash("sha256", ipnBody, "hex") },
      plugin: {
        name: "verifyIpnChecksum(parseStrictForm(), orderIpnSecret())",
        parse: () => plainFields(parseStrictForm("Exchanger", ipnBody, { nested: { toValues: { depth: 2, indexed: true } } })),
        check: (fields) => verifyIpnChecksum(fields, orderIpnSecret(obmin.ipnSecret, SESSION), fields.hash),
      },
      provider: { payload: payload(ipnBody, "application/x-www-form-urlencoded", rawQuery), service: exchangerProvider },
      note: "includes deriving the order's IPN secret (a second HMAC), by design",
    },
  ]
}

/**
 * Measures every case `rounds` times, interleaved (gateway by gateway, plugin then raw then provider),
 * and returns rows `{ gateway, bytes, rawUs, pluginUs, providerUs, parseUs, checkUs, ratio, note }` with the medians
 * (parse: the strict parse alone; check: the signature over already parsed fields).
 * A body that does not verify is an error: the figures would be for a refusal.
 */
async function runVerifyBench({ rounds, msPerOp }) {
  const list = cases()
  for (const c of list) c.plugin.fn = () => c.plugin.check(c.plugin.parse())
  for (const c of list) {
    if (c.plugin.fn() !== true) throw new Error(`${c.gateway}: the genuine body does not verify with ${c.plugin.name}`)
    const answer = await c.provider.service.verifyWebhook(c.provider.payload)
    if (!answer?.verified) throw new Error(`${c.gateway}: the provider did not verify the genuine body`)
  }
  const samples = list.map(() => ({ raw: [], plugin: [], provider: [], parse: [], check: [] }))
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of list.entries()) {
      samples[i].plugin.push(timeOp(c.plugin.fn, msPerOp))
      samples[i].raw.push(timeOp(c.raw.fn, msPerOp))
      samples[i].parse.push(timeOp(c.plugin.parse, msPerOp / 2))
      const parsed = c.plugin.parse()
      samples[i].check.push(timeOp(() => c.plugin.check(parsed), msPerOp / 2))
      // async only by signature: the provider verifies synchronously, before its promise is returned
      const { service, payload } = c.provider
      samples[i].provider.push(timeOp(() => service.verifyWebhook(payload), msPerOp))
      await new Promise((r) => setImmediate(r))
    }
  }
  return list.map((c, i) => {
    const rawUs = median(samples[i].raw)
    const pluginUs = median(samples[i].plugin)
    return {
      gateway: c.gateway,
      bytes: c.bytes,
      rawName: c.raw.name,
      pluginName: c.plugin.name,
      rawUs,
      pluginUs,
      providerUs: median(samples[i].provider),
      parseUs: median(samples[i].parse),
      checkUs: median(samples[i].check),
      ratio: pluginUs / rawUs,
      note: c.note,
    }
  })
}

/** The earlier micro-benchmarks of scripts/bench.js: other per-webhook hot paths, µs/op. */
function otherHotPaths(msPerOp) {
  const { toGatewayAmount, amountsMatch } = require("../../src/lib/money")
  const { sealConfirmation, readConfirmation } = require("../../src/providers/base/session-data")
  const { readRombBody, rombSignature } = require("../../src/providers/romb/signature")
  const secret = "bench-secret"
  const confirmation = sealConfirmation(
    "payses_1",
    { action: "captured", gateway_status: "PAID", amount: "1790.5", currency_code: "", event_key: "tx:PAID", confirmed_at: new Date().toISOString() },
    secret
  )
  const form = "id=tx-1&order_id=payses_1&amount=100.50&status=PAID&data%5Bemail%5D=a%40b.co"
  return [
    ["Romb form-urlencoded signature", timeOp(() => rombSignature(readRombBody(form, "application/x-www-form-urlencoded"), secret), msPerOp)],
    ["amount rounding to currency precision", timeOp((i) => toGatewayAmount(1000 + i / 1000, "rub"), msPerOp)],
    ["amount comparison at currency precision", timeOp((i) => amountsMatch(1000 + i / 1000, "1000.00", "rub"), msPerOp)],
    ["sealed confirmation check (authorizePayment)", timeOp(() => readConfirmation("payses_1", { gateway_confirmation: confirmation }, secret), msPerOp)],
  ]
}

module.exports = { runVerifyBench, otherHotPaths, median }
