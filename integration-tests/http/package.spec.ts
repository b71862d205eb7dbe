import { execFile, execFileSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { promisify } from "node:util"
import { Client } from "@medusajs/framework/pg"

jest.setTimeout(240_000)

const root = path.resolve(__dirname, "../..")
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

/** A command's exit code and everything it printed, whether it failed or not. */
async function outcome(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }) {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { ...options, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string }
    return { code: failed.code ?? "unknown", output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` }
  }
}

const PACKAGE = "medusa-plugin-redirect-payments"

/**
 * What a merchant installs: the built and packed plugin, resolved by its
 * package exports from an app that has only the tarball and the peers.
 */
describe("the packed plugin", () => {
  let workDir: string
  let files: string[]
  let appDir: string

  beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "redirect-payments-pack-"))
    run("npm", ["run", "build"], root)
    const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", workDir], root))
    files = packed.files.map((f: { path: string }) => f.path)

    appDir = path.join(workDir, "app")
    const installed = path.join(appDir, "node_modules", packed.name)
    fs.mkdirSync(installed, { recursive: true })
    run("tar", ["-xzf", path.join(workDir, packed.filename), "-C", installed, "--strip-components=1"], workDir)
    // the app's own dependencies (Medusa, axios, zod, TypeScript) as npm would have installed them
    for (const entry of fs.readdirSync(path.join(root, "node_modules"))) {
      if (entry === packed.name || entry.startsWith(".")) continue
      fs.symlinkSync(path.join(root, "node_modules", entry), path.join(appDir, "node_modules", entry))
    }
    const dependencies = { "@medusajs/medusa": "2.21.2", [packed.name]: packed.version }
    fs.writeFileSync(path.join(appDir, "package.json"), JSON.stringify({ name: "fresh-medusa-app", private: true, dependencies }))
  })
  afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }))

  it("ships the compiled server code with its declarations, the admin extension and the README, not the TypeScript sources or tests", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "admin.d.ts",
        ".medusa/server/src/providers/romb/index.js",
        ".medusa/server/src/providers/romb/index.d.ts",
        ".medusa/server/src/providers/rubitpay/index.js",
        ".medusa/server/src/providers/exchanger/index.js",
        ".medusa/server/src/modules/gateway-inbox/index.js",
        ".medusa/server/src/modules/gateway-inbox/index.d.ts",
        ".medusa/server/src/workflows/index.d.ts",
        ".medusa/server/src/storefront/index.js",
        ".medusa/server/src/storefront/index.d.ts",
        ".medusa/server/src/api/hooks/payment-gateways/[provider]/route.js",
        ".medusa/server/src/admin/index.js",
      ])
    )
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([])
    expect(files.filter((f) => /__tests__|integration-tests|\.env/.test(f))).toEqual([])
    // the gateway emulators are a development tool, never shipped
    expect(files.filter((f) => /sandbox/i.test(f))).toEqual([])
  })

  it("resolves every provider, the inbox module, the workflows, the storefront kit and the admin by the package's exports from a fresh app", () => {
    const script = `
      const name = "${PACKAGE}"
      const providers = ["romb", "rubitpay", "exchanger"].map((p) => {
        const mod = require(name + "/providers/" + p)
        return (mod.default ?? mod).services.map((s) => s.identifier)
      })
      const inbox = require(name + "/modules/gateway-inbox")
      const workflows = require(name + "/workflows")
      console.log(JSON.stringify({
        providers,
        resolvedFrom: require.resolve(name + "/providers/romb"),
        inbox: Object.keys(inbox),
        workflows: Object.keys(workflows),
        storefront: Object.keys(require(name + "/storefront")),
        admin: require.resolve(name + "/admin"),
        adminModules: Object.keys(require(name + "/admin")),
      }))
    `
    const result = JSON.parse(run(process.execPath, ["-e", script], appDir))
    expect(result.providers).toEqual([["romb"], ["rubitpay"], ["exchanger"]])
    expect(result.resolvedFrom).toBe(
      path.join(fs.realpathSync(appDir), `node_modules/${PACKAGE}/.medusa/server/src/providers/romb/index.js`)
    )
    expect(result.inbox).toEqual(expect.arrayContaining(["GATEWAY_INBOX_MODULE", "default"]))
    expect(result.workflows).toEqual(expect.arrayContaining(["processGatewayEventWorkflow"]))
    expect(result.storefront).toEqual(expect.arrayContaining(["gatewayOf", "paymentSessionData", "waitForPayment"]))
    expect(result.admin).toMatch(/\.medusa\/server\/src\/admin\/index\.js$/)
    // what admin.d.ts declares is there
    expect(result.adminModules).toEqual(
      expect.arrayContaining(["widgetModule", "routeModule", "menuItemModule", "formModule", "displayModule", "i18nModule"])
    )
  })

  it("types every export for a strict TypeScript consumer, with node16 and with bundler resolution, and the kit with node resolution", async () => {
    const consumer = path.join(workDir, "consumer")
    fs.mkdirSync(consumer)
    fs.symlinkSync(path.join(appDir, "node_modules"), path.join(consumer, "node_modules"))
    fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "typed-consumer", private: true }))
    // An export without usable declarations is `any` (a missing .d.ts, or one whose own imports do not
    // resolve: skipLibCheck hides that, as in every Medusa app): then assigning it to a number is no
    // error, and the directive above that line fails the compilation as unused.
    fs.writeFileSync(
      path.join(consumer, "consumer.ts"),
      `import romb from "${PACKAGE}/providers/romb"
import rubitPay from "${PACKAGE}/providers/rubitpay"
import exchanger from "${PACKAGE}/providers/exchanger"
import gatewayInbox, { GATEWAY_INBOX_MODULE } from "${PACKAGE}/modules/gateway-inbox"
import gatewayInboxByPath from "${PACKAGE}/.medusa/server/src/modules/gateway-inbox"
import { processGatewayEventWorkflow } from "${PACKAGE}/workflows"
import { gatewayOf, type StoreCartPaymentStatusResponse } from "${PACKAGE}/storefront"
import { toGatewayAmount } from "${PACKAGE}/lib/money"
import admin from "${PACKAGE}/admin"

// @ts-expect-error typed
export const rombIsTyped: number = romb
// @ts-expect-error typed
export const rubitPayIsTyped: number = rubitPay
// @ts-expect-error typed
export const exchangerIsTyped: number = exchanger
// @ts-expect-error typed
export const inboxIsTyped: number = gatewayInbox
// @ts-expect-error typed
export const inboxByPathIsTyped: number = gatewayInboxByPath
// @ts-expect-error typed
export const workflowIsTyped: number = processGatewayEventWorkflow
// @ts-expect-error typed
export const storefrontIsTyped: number = gatewayOf
// @ts-expect-error typed
export const libIsTyped: number = toGatewayAmount
// @ts-expect-error typed
export const adminIsTyped: number = admin

export const services: number = romb.services.length + rubitPay.services.length + exchanger.services.length
export const moduleKey: "gatewayInbox" = GATEWAY_INBOX_MODULE
export const gateway: "romb" | "rubitpay" | "exchanger" | undefined = gatewayOf("pp_romb_romb")
export const status: StoreCartPaymentStatusResponse["status"] = "pending"
export const zones: string[][] = admin.widgetModule.widgets.map((widget) => widget.zone)
`
    )
    // an ES module of a node16 project takes the "import" conditions; Node hands it a CommonJS module's exports as its default
    fs.writeFileSync(
      path.join(consumer, "consumer.mts"),
      `import admin from "${PACKAGE}/admin"
import romb from "${PACKAGE}/providers/romb"
import { gatewayOf } from "${PACKAGE}/storefront"

export const zones: string[][] = admin.widgetModule.widgets.map((widget) => widget.zone)
export const services: number = romb.default.services.length
export const gateway: string | undefined = gatewayOf("pp_romb_romb")
`
    )
    // a storefront such as Medusa's Next.js starter: "moduleResolution": "node" reads no exports, only typesVersions
    fs.writeFileSync(
      path.join(consumer, "storefront.ts"),
      `import { waitForPayment, type PaymentOutcome } from "${PACKAGE}/storefront"

// @ts-expect-error typed
export const kitIsTyped: number = waitForPayment
export const outcome: PaymentOutcome["status"] = "paid"
`
    )
    const compilerOptions = { strict: true, target: "es2022", noEmit: true, skipLibCheck: true, types: ["node"] }
    const projects = {
      node16: { compilerOptions: { ...compilerOptions, module: "node16", moduleResolution: "node16" }, files: ["consumer.ts", "consumer.mts"] },
      bundler: { compilerOptions: { ...compilerOptions, module: "esnext", moduleResolution: "bundler" }, files: ["consumer.ts"] },
      storefront: {
        compilerOptions: { ...compilerOptions, module: "esnext", moduleResolution: "node", lib: ["es2022", "dom"], types: [] },
        files: ["storefront.ts"],
      },
    }
    const tsc = path.join(consumer, "node_modules/typescript/bin/tsc")
    const results = await Promise.all(
      Object.entries(projects).map(([name, project]) => {
        fs.writeFileSync(path.join(consumer, `tsconfig.${name}.json`), JSON.stringify(project))
        return outcome(process.execPath, [tsc, "-p", `tsconfig.${name}.json`], { cwd: consumer })
      })
    )
    expect(results).toEqual([
      { code: 0, output: "" },
      { code: 0, output: "" },
      { code: 0, output: "" },
    ])
  })

  it("stops a merchant's app at boot with one message naming the registration and the misspelled option, and no value", async () => {
    const database = `${process.env.DB_TEMP_NAME ?? "redirect-payments"}-boot`
    const postgres = new Client({
      host: process.env.DB_HOST,
      port: Number(process.env.DB_PORT),
      user: process.env.DB_USERNAME,
      password: process.env.DB_PASSWORD,
      database: process.env.DB_WAITINGROOM_DATABASE ?? "postgres",
    })
    await postgres.connect()
    try {
      await postgres.query(`drop database if exists "${database}"`)
      await postgres.query(`create database "${database}"`)
      const credentials = `${encodeURIComponent(process.env.DB_USERNAME ?? "")}:${encodeURIComponent(process.env.DB_PASSWORD ?? "")}`
      const databaseUrl = `postgres://${credentials}@${process.env.DB_HOST}:${process.env.DB_PORT}/${encodeURIComponent(database)}`
      const config = (holdOptions: Record<string, unknown>) => `
        const { defineConfig } = require("@medusajs/framework/utils")
        module.exports = defineConfig({
          projectConfig: { databaseUrl: ${JSON.stringify(databaseUrl)}, http: { jwtSecret: "boot-test", cookieSecret: "boot-test" } },
          admin: { disable: true },
          plugins: [{ resolve: "${PACKAGE}", options: {} }],
          modules: [{
            resolve: "@medusajs/medusa/payment",
            options: { providers: [
              { resolve: "${PACKAGE}/providers/romb", id: "romb", options: { uid: "u-1", publicKey: "p-1", privateKey: "very-secret-private" } },
              { resolve: "${PACKAGE}/providers/rubitpay", id: "hold", options: ${JSON.stringify(holdOptions)} },
            ] },
          }],
        })`
      const hold = { shopId: "s-1", secretKey: "very-secret-key", capture: false }
      const medusa = (command: string[]) => {
        const env: NodeJS.ProcessEnv = { ...process.env, MEDUSA_DISABLE_TELEMETRY: "true" }
        delete env.NODE_ENV // as a merchant runs it (development)
        return outcome(process.execPath, [path.join(appDir, "node_modules/@medusajs/cli/cli.js"), ...command], { cwd: appDir, env, timeout: 120_000 })
      }

      // the app as it was before the typo: its database migrated (the plugin's tables too)
      fs.writeFileSync(path.join(appDir, "medusa-config.js"), config({ ...hold, successUrl: "https://shop.example/checkout/{cart_id}" }))
      const migrated = await medusa(["db:migrate", "--skip-scripts", "--skip-search"])
      expect(migrated.code).toBe(0)

      fs.writeFileSync(path.join(appDir, "medusa-config.js"), config({ ...hold, sucessUrl: "https://very-secret.example/{cart_id}" }))
      const boot = await medusa(["start"])
      const message =
        "RubitPay payment provider `pp_rubitpay_hold` options are invalid: unknown option `sucessUrl`; did you mean `successUrl`?"
      expect(boot.code).toBe(1)
      expect(boot.output).toContain(`Error starting server: Loaders for module Payment failed: ${message}`)
      // Medusa restates its module error in several places; every complaint about options is this one
      // message (neither the constructor nor a second registration adds another), and no value is shown
      const complaints = new Set(boot.output.match(/\w+ payment provider[^\n"]*/g))
      expect([...complaints]).toEqual([message])
      expect(boot.output).not.toContain("very-secret")
    } finally {
      await postgres.query(`drop database if exists "${database}"`).catch(() => undefined)
      await postgres.end()
    }
  })
})
