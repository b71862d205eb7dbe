#!/usr/bin/env node
/**
 * The npm registry reachable here serves only Linux builds of packages that
 * ship per-platform binaries (@swc/core-darwin-arm64 & co. answer 404), so
 * `npm install` leaves them out of package-lock.json and `npm ci` then
 * refuses the lockfile. This records each such optional dependency in the
 * lockfile with its os/cpu, which `npm ci` skips on every other platform.
 * Run after changing dependencies: `node scripts/lock-foreign-platforms.js`.
 */
const fs = require("node:fs")
const path = require("node:path")

const lockPath = path.join(process.cwd(), "package-lock.json")
const lock = JSON.parse(fs.readFileSync(lockPath, "utf8"))
const OS = ["darwin", "linux", "win32", "android", "freebsd", "openbsd", "netbsd", "sunos", "aix", "openharmony"]
const CPU = ["arm64", "x64", "arm", "ia32", "ppc64", "s390x", "riscv64", "loong64", "mips64el", "universal"]

let added = 0
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const parentDir = location ? `${location}/node_modules/${name}` : `node_modules/${name}`
    if (lock.packages[parentDir] || lock.packages[`node_modules/${name}`]) continue
    const parts = name.split("/").pop().split("-")
    const os = parts.find((p) => OS.includes(p))
    if (!os || !/^\d+\.\d+\.\d+/.test(spec)) continue
    const cpu = parts.find((p) => CPU.includes(p))
    lock.packages[`node_modules/${name}`] = {
      version: spec,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      ...(cpu && cpu !== "universal" ? { cpu: [cpu] } : {}),
      ...(parts.includes("musl") ? { libc: ["musl"] } : parts.includes("gnu") ? { libc: ["glibc"] } : {}),
    }
    added++
  }
}
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + "\n")
console.log(`recorded ${added} foreign-platform optional dependencies`)
