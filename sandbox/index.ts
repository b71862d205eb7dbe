import express from "express"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { jsonErrorHandler } from "./control"
import { RequestLog } from "./request-log"
import { createRombSandbox, RombSandboxMerchant } from "./romb"
import { createRubitPaySandbox } from "./rubitpay"
import { createExchangerSandbox } from "./exchanger"

export type SandboxOptions = {
  port?: number
  host?: string
  romb?: Partial<RombSandboxMerchant>
}

export type Sandbox = { url: string; close(): Promise<void> }

/**
 * Local emulators of the gateways, one router per gateway under its prefix
 * (`/romb`, `/rubitpay`, `/exchanger/{site}`), and a control API under `/__control` for tests and the demo
 * (its routes: see cli.ts). All state is in memory; port 0 picks a free port.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? "127.0.0.1"
  let url = ""
  const log = new RequestLog()
  const romb = createRombSandbox({ baseUrl: () => url, merchant: options.romb })
  const rubitpay = createRubitPaySandbox({ baseUrl: () => url })
  const exchangers = {
    obmin: createExchangerSandbox({ name: "obmin", baseUrl: () => url, firstUid: 1400 }),
    pocketbank: createExchangerSandbox({ name: "pocketbank", baseUrl: () => url, firstUid: 9100 }),
  }

  const app = express()
  app.disable("x-powered-by")
  app.use(log.middleware)
  app.use("/romb", romb.api)
  app.use("/__control/romb", romb.control)
  app.use("/rubitpay/pay", rubitpay.pages)
  app.use("/rubitpay", rubitpay.api)
  app.use("/__control/rubitpay", rubitpay.control)
  for (const [name, exchanger] of Object.entries(exchangers)) {
    app.use(`/exchanger/${name}/api`, exchanger.api)
    app.use(`/exchanger/${name}`, exchanger.pages)
    app.use(`/__control/exchanger/${name}`, exchanger.control)
  }
  app.get("/__control/requests", (req, res) =>
    res.json(log.list(typeof req.query.path === "string" ? req.query.path : undefined))
  )
  app.post("/__control/reset", (_req, res) => {
    romb.reset()
    rubitpay.reset()
    Object.values(exchangers).forEach((exchanger) => exchanger.reset())
    log.clear()
    res.json({ reset: true })
  })
  app.get("/", (_req, res) => res.json({ gateways: {
      romb: `${url}/romb`,
      rubitpay: `${url}/rubitpay`,
      obmin: `${url}/exchanger/obmin`,
      pocketbank: `${url}/exchanger/pocketbank`,
    }, control: `${url}/__control` }))
  app.use(jsonErrorHandler)

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(options.port ?? 0, host, () => resolve(s))
  })
  url = `http://${host}:${(server.address() as AddressInfo).port}`
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
