import { startSandbox } from "./index"

/**
 * `npm run sandbox` (PORT env, default 9911): the gateway emulators alone, e.g. for a
 * storefront developer. The credentials printed are the sandbox's built-in fixtures,
 * not secrets of any real account.
 */
async function main() {
  const sandbox = await startSandbox({ port: Number(process.env.PORT ?? 9911) })
  const u = sandbox.url
  console.log(`Sandbox gateways at ${u}
  Romb      baseUrl ${u}/romb  (uid sandbox-romb-uid, publicKey sandbox-romb-public, privateKey sandbox-romb-private;
            webhooks signed with the privateKey unless a webhookSecret is set)
  RubitPay  baseUrl ${u}/rubitpay  (shops sandbox-rubitpay-shop / sandbox-rubitpay-secret and sandbox-rubitpay-hold-shop / sandbox-rubitpay-hold-secret)
  Exchangers  siteUrl ${u}/exchanger/obmin, apiUrl ${u}/exchanger/obmin/api (same for pocketbank);
            routes 65a1f0c2e4b0a1b2c3d4e5f6 (CARDRUB -> USDTTRC20) and 65a1f0c2e4b0a1b2c3d4e5f7 (CARDUAH -> USDTTRC20)

Control API (JSON in and out; bad input -> 400 {message})
  POST ${u}/__control/romb/merchant          { callbackUrl?: url|null, returnUrl?: url|null ({order_number} filled in), webhookSecret?: string|null,
                                               uid?, publicKey?, privateKey? } -> { uid, callbackUrl, returnUrl }
  POST ${u}/__control/romb/next-create       { error?: {code,message}, httpStatus?: 400-599, hangMs? } -> { armed }   (next create only)
  GET  ${u}/__control/romb/orders            -> [order]
  GET  ${u}/__control/romb/orders/:orderNumber  -> { orderId, orderNumber, status, formUrl, request, amountLexeme, webhooks: [{url, body, contentType, delivered, httpStatus?, error?, sent_at}] }
  POST ${u}/__control/romb/orders/:orderNumber/webhooks
       { status?: PAID|WAIT|PENDING|CANCELED, copies?: 1-100, tamper?: true|id|order_id|amount|data|createdDateTime|status,
         wrongSign?: boolean, format?: json|form, apply?: boolean } -> { deliveries }
  POST ${u}/__control/rubitpay/merchant      { shopId?, callbackUrl? }
  POST ${u}/__control/rubitpay/next-error    { error_code }   (any code of the doc, e.g. processing_error)
  POST ${u}/__control/rubitpay/features      { check?, refunds? }
  GET  ${u}/__control/rubitpay/invoices[/:shopOrderId]
  POST ${u}/__control/rubitpay/invoices/:shopOrderId/status  { status, notify?, wrongSign? }
  POST ${u}/__control/rubitpay/invoices/:shopOrderId/refund  { amount }   (a dashboard refund)
  POST ${u}/__control/exchanger/:site/next-create-error  { message }
  POST ${u}/__control/exchanger/:site/ipn-mode   { mode: normal|lost|duplicate|delayed|badHash, delayMs? }   (next IPN)
  GET  ${u}/__control/exchanger/:site/orders[/:uid]
  POST ${u}/__control/exchanger/:site/orders/:uid/status  { status, notify? }
  POST ${u}/__control/{romb|rubitpay|exchanger/:site}/next-gateway-id  { id }   (the next order gets this id: Romb transaction id, RubitPay invoice_id, exchanger orderId — a gateway that reused one)
  GET  ${u}/__control/requests[?path=/romb]  -> [{ at, method, path, headers (X-Uid/X-Public-Key/X-Private-Key as "***"), body }]
  POST ${u}/__control/reset                  all gateways back to their initial state, request log emptied
                                             (order numbers count on: each run starts them at a random point, so a
                                             restarted sandbox never hands out the ids of payments a database holds)

Pay pages (redirect_url) in a browser send the customer back with 303 once the webhook/IPN is sent:
  Romb       Pay / Cancel            -> the merchant's returnUrl (none set: a result page)
  RubitPay   Pay or Hold / Decline   -> the invoice's success_url / fail_url (none given: a result page)
  Exchanger  I have paid / Payment failed / Cancel order -> clientCallbackUrl ?status=success / error
             (none given: a result page); the per-status buttons below them never redirect.
  Scripted clients (Accept: application/json) get JSON instead.`)
  const stop = () => sandbox.close().then(() => process.exit(0))
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
