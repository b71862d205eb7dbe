import { execFile } from "node:child_process"
import crypto from "node:crypto"
import fs from "node:fs"
import path from "node:path"
import { promisify } from "node:util"
import { ROOT, TEST_DATA } from "./medusa-process"

/**
 * The compatibility suite's apps (integration-tests/compat): Medusa apps kept
 * in `compat/apps/<name>` as a package.json and the lockfile of their package
 * manager, set up under `.test-data/compat/<name>` with the shared
 * `compat/medusa-config.ts`, and given the packed plugin the way a merchant
 * installs it.
 */

export const COMPAT_DATA = path.join(TEST_DATA, "compat")

export type PackageManager = "npm" | "yarn" | "pnpm"

/**
 * How each package manager is run. yarn and pnpm are not installed here: npx
 * fetches them, pinned, from the npm registry (as `npx create-medusa-app`
 * would be fetched).
 */
const MANAGERS: Record<PackageManager, { command: string[]; lockfile: string; install: string[]; add: (tarball: string) => string[] }> = {
  npm: {
    command: ["npm"],
    lockfile: "package-lock.json",
    install: ["ci", "--no-audit", "--no-fund"],
    add: (tarball) => ["install", tarball, "--no-audit", "--no-fund"],
  },
  yarn: {
    command: ["npx", "-y", "yarn@1.22.22"],
    lockfile: "yarn.lock",
    install: ["install", "--frozen-lockfile", "--non-interactive", "--network-timeout", "600000"],
    add: (tarball) => ["add", `file:${tarball}`, "--non-interactive"],
  },
  pnpm: {
    command: ["npx", "-y", "pnpm@9.15.9"],
    lockfile: "pnpm-lock.yaml",
    install: ["install", "--frozen-lockfile"],
    add: (tarball) => ["add", tarball],
  },
}

export type PackedPlugin = { name: string; version: string; tarball: string }

/** `npm run build`, then `npm pack`: the tarball a merchant would download from the registry. */
export async function packPlugin(): Promise<PackedPlugin> {
  fs.mkdirSync(COMPAT_DATA, { recursive: true })
  await run(["npm", "run", "build"], ROOT, path.join(COMPAT_DATA, "pack.log"))
  const { stdout } = await promisify(execFile)("npm", ["pack", "--json", "--pack-destination", COMPAT_DATA], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  })
  const [packed] = JSON.parse(stdout)
  return { name: packed.name, version: packed.version, tarball: path.join(COMPAT_DATA, packed.filename) }
}

export type CompatApp = {
  name: string
  dir: string
  manager: PackageManager
  /** The Medusa version installed (from node_modules, not from package.json's spec). */
  medusaVersion: string
  /** Seconds: the app's own dependencies (0 when the install of the same lockfile was reused), the plugin's. */
  timings: { dependencies: number; plugin: number }
  dependenciesReused: boolean
}

/**
 * Sets up `compat/apps/<name>` under `.test-data/compat/<name>`: its
 * package.json and lockfile, the shared medusa-config.ts and tsconfig.json,
 * and the repository's seed script at the path `prepareDatabase` runs it
 * from. Installs the dependencies from the lockfile unless node_modules was
 * installed from this very lockfile before (a stamp of its hash), then the
 * tarball with the package manager's plain add command: no flags that skip
 * peer checks. Output: `.test-data/compat/<name>-install.log`.
 */
export async function installApp(name: string, manager: PackageManager, plugin: PackedPlugin): Promise<CompatApp> {
  const source = path.join(ROOT, "compat/apps", name)
  const dir = path.join(COMPAT_DATA, name)
  const pm = MANAGERS[manager]
  const log = path.join(COMPAT_DATA, `${name}-install.log`)
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(log, "")
  for (const file of ["package.json", pm.lockfile, ".npmrc", ".yarnrc"]) {
    if (fs.existsSync(path.join(source, file))) fs.copyFileSync(path.join(source, file), path.join(dir, file))
  }
  for (const file of ["medusa-config.ts", "tsconfig.json"]) fs.copyFileSync(path.join(ROOT, "compat", file), path.join(dir, file))
  for (const file of ["scripts/seed-demo.ts", "integration-tests/helpers/seed-store.ts"]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file))
  }

  // beside node_modules, not in it: yarn 1 removes files it does not know from node_modules
  const stampFile = path.join(dir, ".compat-lockfile-hash")
  const stamp = crypto
    .createHash("sha256")
    .update(`${manager}\n${process.version}\n`)
    .update(fs.readFileSync(path.join(source, pm.lockfile)))
    .digest("hex")
  const dependenciesReused =
    fs.existsSync(path.join(dir, "node_modules")) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === stamp
  let started = Date.now()
  if (!dependenciesReused) {
    fs.rmSync(stampFile, { force: true })
    fs.rmSync(path.join(dir, "node_modules"), { recursive: true, force: true })
    await run([...pm.command, ...pm.install], dir, log)
    fs.writeFileSync(stampFile, stamp)
  }
  const dependencies = dependenciesReused ? 0 : (Date.now() - started) / 1000

  started = Date.now()
  // the previous run's copy of the plugin goes: the tarball's name is the same, its content is not
  fs.rmSync(path.join(dir, "node_modules", plugin.name), { recursive: true, force: true })
  await run([...pm.command, ...pm.add(plugin.tarball)], dir, log)
  const installed = JSON.parse(fs.readFileSync(path.join(dir, "node_modules", plugin.name, "package.json"), "utf8"))
  if (installed.version !== plugin.version) throw new Error(`${name}: ${plugin.name}@${installed.version} installed, not ${plugin.version}`)
  const medusaVersion = JSON.parse(fs.readFileSync(path.join(dir, "node_modules/@medusajs/medusa/package.json"), "utf8")).version
  return { name, dir, manager, medusaVersion, timings: { dependencies, plugin: (Date.now() - started) / 1000 }, dependenciesReused }
}

/** Whether a package manager can run here at all (npx can fetch it from the registry); the reason when not. */
export async function managerUnavailable(manager: PackageManager): Promise<string | undefined> {
  const pm = MANAGERS[manager]
  try {
    await promisify(execFile)(pm.command[0], [...pm.command.slice(1), "--version"], { timeout: 180_000, env: toolEnv() })
    return undefined
  } catch (error) {
    return `${pm.command.join(" ")} --version failed: ${(error as Error).message.split("\n")[0]}`
  }
}

/** The environment of a package manager: jest's settings are not the app's. */
function toolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_yes: "true" }
  for (const key of ["NODE_OPTIONS", "NODE_ENV", "JEST_WORKER_ID"]) delete env[key]
  return env
}

/** Runs a command in `cwd`, appending its output to `log`; rejects with the log's tail. */
async function run(command: string[], cwd: string, log: string) {
  fs.appendFileSync(log, `\n$ ${command.join(" ")}  (in ${path.relative(ROOT, cwd) || "."})\n`)
  try {
    const { stdout, stderr } = await promisify(execFile)(command[0], command.slice(1), {
      cwd,
      env: toolEnv(),
      maxBuffer: 256 * 1024 * 1024,
      timeout: 900_000,
    })
    fs.appendFileSync(log, stdout + stderr)
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string }
    fs.appendFileSync(log, `${failed.stdout ?? ""}${failed.stderr ?? ""}`)
    const tail = `${failed.stdout ?? ""}${failed.stderr ?? ""}`.trimEnd().split("\n").slice(-25).join("\n")
    throw new Error(`${command.join(" ")} failed in ${path.relative(ROOT, cwd)} (see ${path.relative(ROOT, log)}):\n${tail || failed.message}`)
  }
}

/** The suite's outcome per app and check, printed as one table at the end. */
export function resultTable() {
  const rows = new Map<string, Map<string, string>>()
  const checks: string[] = []
  return {
    record(app: string, check: string, outcome: string) {
      if (!checks.includes(check)) checks.push(check)
      if (!rows.has(app)) rows.set(app, new Map())
      rows.get(app)!.set(check, outcome)
    },
    /** Runs a check, recording "passed" or "FAILED" (and rethrowing) under its name. */
    async check<T>(app: string, check: string, work: () => Promise<T>): Promise<T> {
      try {
        const value = await work()
        this.record(app, check, "passed")
        return value
      } catch (error) {
        this.record(app, check, "FAILED")
        throw error
      }
    },
    print(): string {
      const apps = [...rows.keys()]
      const width = Math.max(...checks.map((c) => c.length), 5)
      const columns = apps.map((app) => Math.max(app.length, ...checks.map((c) => (rows.get(app)?.get(c) ?? "-").length)))
      const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(i === 0 ? width : columns[i - 1])).join(" | ")} |`
      const table = [
        line(["check", ...apps]),
        `|${[width, ...columns].map((w) => "-".repeat(w + 2)).join("|")}|`,
        ...checks.map((check) => line([check, ...apps.map((app) => rows.get(app)?.get(check) ?? "-")])),
      ].join("\n")
      fs.mkdirSync(COMPAT_DATA, { recursive: true })
      fs.writeFileSync(path.join(COMPAT_DATA, "results.md"), `${table}\n`)
      return table
    },
  }
}
