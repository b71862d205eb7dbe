/**
 * Builds the demo storefront (Vite) and serves it with the backend's address
 * and publishable key at `/config.json`. Used by `npm run demo` and by the
 * browser test; not part of the published package.
 */
const path = require("node:path")
const fs = require("node:fs")
const express = require("express")

const root = __dirname

/** Builds once into `outDir` (skipped when the build is newer than every source file). */
async function buildStorefront(outDir) {
  const sources = [root, path.join(root, "../../src/storefront")].flatMap((dir) =>
    fs.readdirSync(dir).filter((f) => /\.(ts|html|css)$/.test(f)).map((f) => path.join(dir, f))
  )
  const built = path.join(outDir, "index.html")
  if (fs.existsSync(built) && sources.every((f) => fs.statSync(f).mtimeMs < fs.statSync(built).mtimeMs)) return
  const { build } = await import("vite")
  await build({ root, configFile: false, logLevel: "warn", build: { outDir, emptyOutDir: true } })
}

/**
 * Serves the built storefront on `port` (0: any free port): every path that is
 * not a file gets `index.html` (the page routes itself). Resolves to
 * `{ url, close() }`.
 */
async function startStorefront({ port, outDir, backendUrl, publishableKey, regionId }) {
  await buildStorefront(outDir)
  const app = express()
  app.get("/config.json", (_req, res) => res.json({ backendUrl, publishableKey, regionId }))
  app.use(express.static(outDir, { index: false }))
  app.get("*", (_req, res) => res.sendFile(path.join(outDir, "index.html")))
  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, () => resolve(listening)).once("error", reject)
  })
  const url = `http://localhost:${server.address().port}`
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

module.exports = { buildStorefront, startStorefront }
