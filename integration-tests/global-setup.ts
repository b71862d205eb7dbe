import path from "node:path"
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { startPostgres, freePort } = require("../scripts/postgres")
import { startSandbox } from "../src/sandbox"

/**
 * Before the integration suites: a PostgreSQL (the one at 127.0.0.1:5432 if it
 * answers, else an embedded one) and the sandbox gateways. Their addresses go
 * to the suites through the environment (jest runs them in this process).
 */
export default async function globalSetup() {
  const postgres = await startPostgres({
    dataDir: path.join(__dirname, "../.test-data/pg"),
    forceEmbedded: process.env.TEST_EMBEDDED_PG === "1",
  })
  // "localhost", not 127.0.0.1: Medusa's test runner demands SSL for any other host
  process.env.DB_HOST = "localhost"
  process.env.DB_PORT = String(postgres.port)
  process.env.DB_USERNAME = postgres.user
  process.env.DB_PASSWORD = postgres.password
  process.env.DB_TEMP_NAME = "medusa-redirect-payments-test"
  // a fixed port for every suite's app, so that IPN URLs sent to the exchanger point at it
  const port = await freePort()
  process.env.PORT = String(port)
  process.env.MEDUSA_BACKEND_URL = `http://localhost:${port}`
  const sandbox = await startSandbox({ port: 0 })
  process.env.SANDBOX_URL = sandbox.url
  console.log(`\n[integration] PostgreSQL: ${postgres.embedded ? "embedded" : "local"} at ${postgres.host}:${postgres.port}; sandbox at ${sandbox.url}`)
  ;(globalThis as any).__REDIRECT_PAYMENTS_TEST__ = { postgres, sandbox }
}
