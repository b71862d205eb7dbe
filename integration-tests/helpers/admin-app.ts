import { execFile } from "node:child_process"
import fs from "node:fs"
import http from "node:http"
import path from "node:path"
import { promisify } from "node:util"
import express from "express"

const root = path.join(__dirname, "../..")

function newestMtime(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs), 0)
}

/**
 * Medusa's admin dashboard with the plugin's widgets and pages, built as
 * `medusa build` builds it (admin-bundler, in a child process), to be served
 * from the same origin as the API (`backendUrl: ""`). The test runner
 * disables the admin in the app it boots. Rebuilt only when src/admin changed.
 */
export async function buildAdmin(outDir: string): Promise<void> {
  const index = path.join(outDir, "index.html")
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs > newestMtime(path.join(root, "src/admin"))) return
  const options = { sources: [path.join(root, "src/admin")], plugins: [], outDir, path: "/app", backendUrl: "", disable: false }
  await promisify(execFile)(process.execPath, ["-e", `require("@medusajs/admin-bundler").build(${JSON.stringify(options)}).catch((e) => { console.error(e); process.exit(1) })`], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", NODE_OPTIONS: "" },
    maxBuffer: 64 * 1024 * 1024,
  })
}

/**
 * One origin for the admin and the API, as `medusa start` serves them: the
 * built dashboard at `/app`, every other path passed to the backend (its
 * session cookie then works as in production).
 */
export async function serveAdmin(outDir: string, backendUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const backend = new URL(backendUrl)
  const app = express()
  app.use("/app", express.static(outDir, { index: false }))
  app.get(["/app", "/app/*"], (_req, res) => res.sendFile(path.join(outDir, "index.html")))
  app.use((req, res) => {
    const upstream = http.request(
      { host: backend.hostname, port: backend.port, path: req.originalUrl, method: req.method, headers: { ...req.headers, host: backend.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on("error", () => res.headersSent || res.status(502).end())
    req.pipe(upstream)
  })
  const server = await new Promise<http.Server>((resolve, reject) => {
    const listening = app.listen(0, () => resolve(listening)).once("error", reject)
  })
  const { port } = server.address() as { port: number }
  return { url: `http://localhost:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
