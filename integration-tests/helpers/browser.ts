import { execFile } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { promisify } from "node:util"
import { chromium, type Browser, type Page } from "playwright-core"

/**
 * Which headless Chromium the browser suite drives, decided synchronously so
 * that a machine without one skips the suite with a printed reason (never a
 * silent pass): `BROWSER_PATH`, else the system's Chromium, else the build
 * inside the `@sparticuz/chromium` npm package (a dev dependency, so a fresh
 * `npm ci` has it).
 */
export type BrowserSource =
  | { kind: "path"; executablePath: string; args: string[] }
  | { kind: "sparticuz" }
  | { kind: "none"; reason: string }

const SYSTEM_CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]

export function browserSource(): BrowserSource {
  if (process.env.BROWSER_PATH) {
    return fs.existsSync(process.env.BROWSER_PATH)
      ? { kind: "path", executablePath: process.env.BROWSER_PATH, args: [] }
      : { kind: "none", reason: `BROWSER_PATH=${process.env.BROWSER_PATH} does not exist` }
  }
  const system = SYSTEM_CHROMIUM.find((file) => fs.existsSync(file))
  if (system) return { kind: "path", executablePath: system, args: ["--no-sandbox"] }
  try {
    require.resolve("@sparticuz/chromium")
    return process.platform === "linux" && process.arch === "x64"
      ? { kind: "sparticuz" }
      : { kind: "none", reason: `@sparticuz/chromium ships a Linux x64 build only (this is ${process.platform} ${process.arch}) and no system Chromium was found` }
  } catch {
    return { kind: "none", reason: "no Chromium: neither BROWSER_PATH, a system Chromium, nor the @sparticuz/chromium package" }
  }
}

export async function launchBrowser(source: Exclude<BrowserSource, { kind: "none" }>): Promise<Browser> {
  if (source.kind === "path") {
    return chromium.launch({ executablePath: source.executablePath, args: source.args, headless: true })
  }
  // an ES module, which Jest's module system cannot load: a plain Node process unpacks the build into /tmp
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--input-type=module", "-e", 'import chromium from "@sparticuz/chromium"; console.log(await chromium.executablePath())'],
    { cwd: path.join(__dirname, "../..") }
  )
  // its serverless flags (single process, web security off) would hide what a real browser does: only the sandbox flag
  return chromium.launch({ executablePath: stdout.trim(), args: ["--no-sandbox"], headless: true })
}

/** Screenshots of a run, numbered in order: `<dir>/<NN>-<name>.png`. */
export function screenshotter(dir: string) {
  fs.mkdirSync(dir, { recursive: true })
  let step = 0
  return async (page: Page, name: string) => {
    step += 1
    const file = path.join(dir, `${String(step).padStart(2, "0")}-${name}.png`)
    await page.screenshot({ path: file, fullPage: true })
    return file
  }
}
