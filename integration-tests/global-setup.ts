import path from "node:path"
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { startPostgres, freePort } = require("../scripts/postgres")
import { startSandbox } from "../sandbox"

/**
 * Before the integration suites: a PostgreSQL and the sandbox gateways. Their
 * addresses reach the suites through the environment (jest copies
 * `process.env` into every test file's environment after this has run).
 *
 * PostgreSQL, first match wins:
 *  - `DB_HOST` (+ `DB_PORT`, `DB_USERNAME`, `DB_PASSWORD`) set by the caller;
 *  - the server at 127.0.0.1:5432 (user postgres, trust auth) if `select 1` works;
 *  - an embedded PostgreSQL in `.test-data/pg` on a free port
 *    (`TEST_EMBEDDED_PG=1` forces this one).
 */
export default async function globalSetup() {
  const started = Date.now()
  const forceEmbedded = process.env.TEST_EMBEDDED_PG === "1"
  let postgres: { embedded: boolean; host: string; port: number; user: string; password: string; stop(): Promise<void> }
  if (process.env.DB_HOST && !forceEmbedded) {
    postgres = {
      embedded: false,
      host: process.env.DB_HOST,
      port: Number(process.env.DB_PORT ?? 5432),
      user: process.env.DB_USERNAME ?? "postgres",
      password: process.env.DB_PASSWORD ?? "",
      stop: async () => undefined,
    }
  } else {
    postgres = await startPostgres({ dataDir: path.join(__dirname, "../.test-data/pg"), forceEmbedded })
    // "localhost", not 127.0.0.1: Medusa's test runner asks for SSL whenever the
    // database URL does not contain "localhost" (test-utils medusa-test-runner-utils/config.js)
    postgres.host = "localhost"
  }
  process.env.DB_HOST = postgres.host
  process.env.DB_PORT = String(postgres.port)
  // test-utils defaults the user to "" in dbTestUtilFactory but to "postgres" in URLs: set it
  process.env.DB_USERNAME = postgres.user
  process.env.DB_PASSWORD = postgres.password
  process.env.DB_WAITINGROOM_DATABASE ??= "postgres"
  process.env.DB_TEMP_NAME ??= "medusa-redirect-payments-test"
  const postgresReadyMs = Date.now() - started

  // a fixed port for every suite's app, so that IPN URLs sent to the exchanger point at it
  const port = await freePort()
  process.env.PORT = String(port)
  process.env.MEDUSA_BACKEND_URL = `http://localhost:${port}`
  // the demo storefront's address, for the providers' return URLs (the browser suite serves it there)
  process.env.STOREFRONT_URL = `http://localhost:${await freePort()}`
  const sandbox = await startSandbox({ port: 0 })
  process.env.SANDBOX_URL = sandbox.url
  console.log(
    `\n[integration] PostgreSQL: ${postgres.embedded ? "embedded" : "existing"} at ${postgres.host}:${postgres.port}` +
      ` (ready in ${(postgresReadyMs / 1000).toFixed(1)} s); sandbox at ${sandbox.url}; apps on port ${port}`
  )
  ;(globalThis as any).__REDIRECT_PAYMENTS_TEST__ = { postgres, sandbox }
}
