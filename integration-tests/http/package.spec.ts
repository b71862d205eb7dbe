import { execFileSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"

jest.setTimeout(180_000)

const root = path.resolve(__dirname, "../..")
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

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
    // the app's own dependencies (Medusa, axios, zod) as npm would have installed them
    for (const entry of fs.readdirSync(path.join(root, "node_modules"))) {
      if (entry === packed.name || entry.startsWith(".")) continue
      fs.symlinkSync(path.join(root, "node_modules", entry), path.join(appDir, "node_modules", entry))
    }
    fs.writeFileSync(path.join(appDir, "package.json"), JSON.stringify({ name: "fresh-medusa-app", private: true }))
  })
  afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }))

  it("ships the compiled server code, the admin extension and the README, not the TypeScript sources or tests", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        ".medusa/server/src/providers/romb/index.js",
        ".medusa/server/src/providers/rubitpay/index.js",
        ".medusa/server/src/providers/exchanger/index.js",
        ".medusa/server/src/modules/gateway-inbox/index.js",
        ".medusa/server/src/api/hooks/payment-gateways/[provider]/route.js",
        ".medusa/server/src/admin/index.js",
      ])
    )
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([])
    expect(files.filter((f) => /__tests__|integration-tests|\.env/.test(f))).toEqual([])
    // the gateway emulators are a development tool, never shipped
    expect(files.filter((f) => /sandbox/i.test(f))).toEqual([])
  })

  it("resolves every provider, the inbox module and the workflows by the package's exports from a fresh app", () => {
    const script = `
      const name = "medusa-plugin-redirect-payments"
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
        admin: require.resolve(name + "/admin"),
      }))
    `
    const result = JSON.parse(run(process.execPath, ["-e", script], appDir))
    expect(result.providers).toEqual([["romb"], ["rubitpay"], ["exchanger"]])
    expect(result.resolvedFrom).toBe(
      path.join(fs.realpathSync(appDir), "node_modules/medusa-plugin-redirect-payments/.medusa/server/src/providers/romb/index.js")
    )
    expect(result.inbox).toEqual(expect.arrayContaining(["GATEWAY_INBOX_MODULE", "default"]))
    expect(result.workflows).toEqual(expect.arrayContaining(["processGatewayEventWorkflow"]))
    expect(result.admin).toMatch(/\.medusa\/server\/src\/admin\/index\.js$/)
  })
})
