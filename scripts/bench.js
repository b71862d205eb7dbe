#!/usr/bin/env node
/**
 * `npm run bench`: figures for the hot paths a webhook burst goes through,
 * printed, not asserted. Run on an idle machine; compare runs, not machines.
 */
require("ts-node").register({ transpileOnly: true, swc: true })
const { performance } = require("node:perf_hooks")
const { readRombBody, rombSignature, verifyRombSignature } = require("../src/providers/romb/signature")
const { toGatewayAmount, amountsMatch } = require("../src/lib/money")
const { sealConfirmation, readConfirmation } = require("../src/providers/base/session-data")

function bench(name, iterations, fn) {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(i)
  const start = performance.now()
  for (let i = 0; i < iterations; i++) fn(i)
  const ms = performance.now() - start
  console.log(`${name.padEnd(52)} ${(iterations / (ms / 1000)).toFixed(0).padStart(9)} ops/s  ${((ms * 1000) / iterations).toFixed(2).padStart(8)} µs/op`)
}

const secret = "bench-secret"
const body = JSON.stringify({
  id: "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  order_id: "payses_01M831QNM9XP40S2AHGCZR5J5A",
  amount: 1790.5,
  data: { customer_email: "buyer@example.com", description: "Order payses_01M831QNM9XP40S2AHGCZR5J5A", items: ["Самовар 5 л"] },
  createdDateTime: "2026-11-23T01:30:45+00:00",
  status: "PAID",
})
const signed = `${body.slice(0, -1)},"sign":"${rombSignature(readRombBody(body, "application/json"), secret)}"}`
const confirmation = sealConfirmation(
  "payses_1",
  { action: "captured", gateway_status: "PAID", amount: "1790.5", currency_code: "", event_key: "tx:PAID", confirmed_at: new Date().toISOString() },
  secret
)

console.log(`node ${process.version}, ${require("node:os").cpus().length} cpus`)
bench("Romb webhook: strict parse + PHP-exact verification", 50_000, () =>
  verifyRombSignature(readRombBody(signed, "application/json"), secret)
)
bench("Romb form-urlencoded signature", 50_000, () =>
  rombSignature(
    readRombBody("id=tx-1&order_id=payses_1&amount=100.50&status=PAID&data%5Bemail%5D=a%40b.co", "application/x-www-form-urlencoded"),
    secret
  )
)
bench("amount rounding to currency precision", 200_000, (i) => toGatewayAmount(1000 + i / 1000, "rub"))
bench("amount comparison at currency precision", 200_000, (i) => amountsMatch(1000 + i / 1000, "1000.00", "rub"))
bench("sealed confirmation check (authorizePayment)", 100_000, () => readConfirmation("payses_1", { gateway_confirmation: confirmation }, secret))
