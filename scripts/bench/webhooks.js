/**
 * Genuine gateway notifications for real payment sessions, built the way the
 * sandbox builds them (sandbox/romb.ts `webhookBody`, rubitpay.ts `notify`,
 * exchanger.ts `exchangerIpnForm`) with the sandbox's own signers (sandbox/signers.ts)
 * from the gateway order the sandbox holds (its control API), so the plugin
 * verifies them exactly as it verifies the sandbox's deliveries. Needs
 * ts-node registered (the sandbox is TypeScript).
 */
const { randomUUID } = require("node:crypto")
const axios = require("axios")

const JSON_TYPE = "application/json"
const FORM = "application/x-www-form-urlencoded"

function sandboxCode() {
  const { rombSignature, rubitPaySignature } = require("../../sandbox/signers")
  const { JsonLexeme, jsonText } = require("../../sandbox/body-text")
  const { ROMB_SANDBOX_MERCHANT } = require("../../sandbox/romb")
  const { exchangerIpnForm } = require("../../sandbox/exchanger")
  return { rombSignature, rubitPaySignature, exchangerIpnForm, JsonLexeme, jsonText, ROMB_SANDBOX_MERCHANT }
}

/** One webhook: where it goes (path and query, for the plugin's route) and its bytes. */
const webhook = (path, body, contentType, query = "") => ({ path, query, body, contentType })

/**
 * Romb: the sandbox's order for the session (orderNumber = session id). `build(status, id?)` signs a
 * notification as the sandbox does; another transaction `id` makes another event (event key `{id}:{status}`).
 */
async function rombWebhooks(sandboxUrl, sessionId) {
  const { rombSignature, JsonLexeme, jsonText, ROMB_SANDBOX_MERCHANT } = sandboxCode()
  const { data: order } = await axios.get(`${sandboxUrl}/__control/romb/orders/${encodeURIComponent(sessionId)}`)
  const secret = ROMB_SANDBOX_MERCHANT.webhookSecret ?? ROMB_SANDBOX_MERCHANT.privateKey
  return {
    gateway: "romb",
    build(status, id = order.transactionId) {
      const fields = {
        id,
        order_id: order.orderNumber,
        amount: new JsonLexeme(order.amountLexeme),
        data: { customer_email: order.request.email ?? null, description: order.request.description ?? null },
        createdDateTime: order.createdDateTime,
        status,
      }
      const sign = rombSignature(fields, "json", secret)
      return webhook("romb_romb", `${jsonText(fields).slice(0, -1)},"sign":${JSON.stringify(sign)}}`, JSON_TYPE)
    },
    freshId: () => randomUUID(),
  }
}

/** RubitPay: the sandbox's invoice for the session (shop_order_id = session id), signed with its shop's key. */
async function rubitPayWebhooks(sandboxUrl, sessionId, registration) {
  const { rubitPaySignature } = sandboxCode()
  const { data: invoice } = await axios.get(`${sandboxUrl}/__control/rubitpay/invoices/${encodeURIComponent(sessionId)}`)
  return {
    gateway: "rubitpay",
    build(status) {
      const fields = {
        shop_id: invoice.shop.shopId,
        shop_order_id: invoice.shop_order_id,
        invoice_id: invoice.invoice_id,
        status,
        amount: invoice.amount,
        currency: invoice.currency,
        created_at: new Date().toISOString(),
        sign: "",
      }
      fields.sign = rubitPaySignature(fields, invoice.shop.secretKey)
      return webhook(`rubitpay_${registration}`, JSON.stringify(fields), JSON_TYPE)
    },
  }
}

/**
 * An exchanger site: the sandbox's order with the session's `gateway_reference` (its uid); the IPN goes to the
 * order's `ipnUrl` (the plugin's route with `?session_id=`), hashed with the order's ipnSecret. The timestamp is
 * now, as the plugin refuses IPNs older than its window.
 */
async function exchangerWebhooks(sandboxUrl, site, session) {
  const { exchangerIpnForm } = sandboxCode()
  const uid = session.data.gateway_reference
  const { data: order } = await axios.get(`${sandboxUrl}/__control/exchanger/${site}/orders/${uid}`)
  const ipnUrl = new URL(order.ipnUrl)
  return {
    gateway: "exchanger",
    build(status) {
      const form = exchangerIpnForm(order, { newStatus: status, timestamp: String(Date.now()), ipnSecret: order.ipnSecret ?? "" })
      return webhook(`exchanger_${site}`, form, FORM, ipnUrl.search.slice(1))
    },
  }
}

/**
 * The builder for a session of `providerId`. Each gateway's word that makes the order, and a pending word
 * (which changes no money: used for fresh events), are in `GATEWAYS` below.
 */
async function webhooksFor(sandboxUrl, providerId, session) {
  if (providerId === "pp_romb_romb") return rombWebhooks(sandboxUrl, session.id)
  if (providerId.startsWith("pp_rubitpay_")) return rubitPayWebhooks(sandboxUrl, session.id, providerId.slice("pp_rubitpay_".length))
  if (providerId.startsWith("pp_exchanger_")) return exchangerWebhooks(sandboxUrl, providerId.slice("pp_exchanger_".length), session)
  throw new Error(`no webhook builder for ${providerId}`)
}

/** The URL of a webhook on the plugin's route or Medusa's built-in one. */
function webhookUrl(backend, hook, route = "plugin") {
  const base = route === "plugin" ? "/hooks/payment-gateways/" : "/hooks/payment/"
  return `${backend}${base}${hook.path}${hook.query ? `?${hook.query}` : ""}`
}

/** What each gateway's storefront sends with the session, and the words the benchmark sends. */
const GATEWAYS = [
  { providerId: "pp_romb_romb", label: "Romb", sessionData: { email: "buyer@example.com", phone: "+79991234567" }, paid: "PAID" },
  { providerId: "pp_rubitpay_rubitpay", label: "RubitPay", sessionData: { email: "buyer@example.com", payway: "sbp" }, paid: "success" },
  { providerId: "pp_rubitpay_hold", label: "RubitPay hold", sessionData: { email: "buyer@example.com" }, paid: "hold" },
  { providerId: "pp_exchanger_obmin", label: "obmin", sessionData: { from_values: { card: "4111111111111111" } }, paid: "done" },
  { providerId: "pp_exchanger_pocketbank", label: "pocketbank", sessionData: { from_values: { card: "4111111111111111" } }, paid: "done" },
]

module.exports = { webhooksFor, webhookUrl, GATEWAYS, JSON_TYPE, FORM }
