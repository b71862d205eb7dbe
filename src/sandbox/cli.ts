import { startSandbox } from "./index"

/** `npm run sandbox`: the gateway emulators alone, e.g. for a storefront developer. */
async function main() {
  const sandbox = await startSandbox({ port: Number(process.env.PORT ?? 9911) })
  console.log(`Sandbox gateways at ${sandbox.url}
  Romb API          ${sandbox.url}/romb  (uid sandbox-romb-uid, publicKey sandbox-romb-public, privateKey sandbox-romb-private)
Control API (JSON)
  POST ${sandbox.url}/__control/romb/merchant          { callbackUrl?, webhookSecret? }
  POST ${sandbox.url}/__control/romb/next-create       { error?: {code,message}, httpStatus?, hangMs? }
  GET  ${sandbox.url}/__control/romb/orders[/:orderNumber]
  POST ${sandbox.url}/__control/romb/orders/:orderNumber/webhooks  { status?, copies?, tamper?, wrongSign? }
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
