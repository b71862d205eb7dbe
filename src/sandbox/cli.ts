import { startSandbox } from "./index"

/** `npm run sandbox`: the gateway emulators alone, e.g. for a storefront developer. */
async function main() {
  const sandbox = await startSandbox({ port: Number(process.env.PORT ?? 9911) })
  console.log(`Sandbox gateways at ${sandbox.url}
  Romb API          ${sandbox.url}/romb  (uid sandbox-romb-uid, publicKey sandbox-romb-public, privateKey sandbox-romb-private)
  RubitPay API      ${sandbox.url}/rubitpay  (shops sandbox-rubitpay-shop / sandbox-rubitpay-secret and sandbox-rubitpay-hold-shop / sandbox-rubitpay-hold-secret)
Control API (JSON)
  POST ${sandbox.url}/__control/romb/merchant          { callbackUrl?, webhookSecret? }
  POST ${sandbox.url}/__control/romb/next-create       { error?: {code,message}, httpStatus?, hangMs? }
  GET  ${sandbox.url}/__control/romb/orders[/:orderNumber]
  POST ${sandbox.url}/__control/romb/orders/:orderNumber/webhooks  { status?, copies?, tamper?, wrongSign? }
  POST ${sandbox.url}/__control/rubitpay/merchant      { shopId?, callbackUrl? }
  POST ${sandbox.url}/__control/rubitpay/next-error    { error_code }   (any code of the doc, e.g. processing_error)
  POST ${sandbox.url}/__control/rubitpay/features      { check?, refunds? }
  GET  ${sandbox.url}/__control/rubitpay/invoices[/:shopOrderId]
  POST ${sandbox.url}/__control/rubitpay/invoices/:shopOrderId/status  { status, notify?, wrongSign? }
  POST ${sandbox.url}/__control/rubitpay/invoices/:shopOrderId/refund  { amount }   (a dashboard refund)
  GET  ${sandbox.url}/__control/requests
  POST ${sandbox.url}/__control/reset`)
  const stop = () => sandbox.close().then(() => process.exit(0))
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
