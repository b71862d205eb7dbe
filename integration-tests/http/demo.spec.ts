import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { createFreshDatabase, freePort, ROOT, TEST_DATA } from "../helpers/medusa-process"

jest.setTimeout(15 * 60_000)

type DemoRun = { code: number | null; output: string; orders: string[] }

/**
 * `npm run demo` as a newcomer runs it, through its scripted checkouts
 * (DEMO_EXIT_AFTER_CHECKOUT), on a database of its own. The admin dashboard is
 * left out (ADMIN_DISABLED): the browser suite covers it.
 */
function runDemo(env: NodeJS.ProcessEnv): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "scripts/demo.js")], {
      cwd: ROOT,
      env: { ...process.env, ...env, DEMO_EXIT_AFTER_CHECKOUT: "1", ADMIN_DISABLED: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    child.once("error", reject)
    child.once("exit", (code) => {
      const orders = [...output.matchAll(/^\[demo\] (.+): paid .* -> order #(\d+)/gm)].map((m) => `${m[1]} #${m[2]}`)
      resolve({ code, output, orders })
    })
  })
}

describe("npm run demo", () => {
  const name = "redirect_demo_twice"
  let database: { url: string; drop(): Promise<void> }
  const dataDir = path.join(TEST_DATA, "demo-twice")

  beforeAll(async () => {
    database = await createFreshDatabase(name)
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  afterAll(() => database?.drop())

  it("run twice on the same database completes every checkout both times", async () => {
    const runs: DemoRun[] = []
    for (let i = 0; i < 2; i++) {
      // a fresh sandbox each run, as when the demo is stopped and started again
      const env = {
        DATABASE_URL: database.url,
        DEMO_DATA_DIR: dataDir,
        PORT: String(await freePort()),
        SANDBOX_PORT: String(await freePort()),
        STOREFRONT_PORT: String(await freePort()),
      }
      const run = await runDemo(env)
      fs.writeFileSync(path.join(TEST_DATA, `demo-run-${i + 1}.log`), run.output)
      runs.push(run)
    }
    for (const [i, run] of runs.entries()) {
      expect({ run: i + 1, code: run.code, failed: run.output.match(/^.*FAILED.*$/gm) }).toEqual({ run: i + 1, code: 0, failed: null })
      expect(run.orders).toHaveLength(5)
    }
    // the second run's orders are new ones, after the first run's
    const numbers = runs.map((run) => run.orders.map((o) => Number(o.split("#")[1])))
    expect(Math.min(...numbers[1])).toBeGreaterThan(Math.max(...numbers[0]))
    console.log(`[demo] run twice on one database: ${runs.map((r) => r.orders.join(", ")).join(" | ")}`)
  })
})
