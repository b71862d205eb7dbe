/**
 * Reads the .cpuprofile `node --cpu-prof` wrote for the Medusa server and
 * says where its CPU went during given time windows: the functions with the
 * most self time, and the self time per package / plugin file group.
 */
const fs = require("node:fs")
const path = require("node:path")

/** The newest .cpuprofile in `dir`, or undefined. */
function newestProfile(dir) {
  if (!fs.existsSync(dir)) return undefined
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)
  return files[0]
}

/** Where a frame's code lives: a package, the plugin's src/ or sandbox/, node's own, or V8's pseudo frames. */
function ownerOf(url, functionName) {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)"
  const file = url.replace(/^file:\/\//, "")
  const nm = file.lastIndexOf("node_modules/")
  if (nm !== -1) {
    const rest = file.slice(nm + "node_modules/".length).split("/")
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (file.startsWith("node:")) return "node (built-in)"
  const src = file.indexOf("/src/")
  if (src !== -1) return `plugin src/${file.slice(src + 5).split("/").slice(0, 2).join("/")}`
  return path.basename(file)
}

/**
 * Self time (ms) per function and per owner, over the samples inside `windows` ([{from, to}] in µs of the
 * monotonic clock). When no sample falls in them (another clock), the whole profile is used and `whole` says so.
 */
function summarize(file, windows) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8"))
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parents = new Map()
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id)
  // native code and Node's own modules are charged to the nearest package (or plugin file) that called them
  const callerCache = new Map()
  const callerOf = (id) => {
    if (callerCache.has(id)) return callerCache.get(id)
    let owner
    for (let at = id; at !== undefined; at = parents.get(at)) {
      const { url, functionName } = nodes.get(at).callFrame
      const o = ownerOf(url, functionName || "(anonymous)")
      if (url && o !== "node (built-in)") {
        owner = o
        break
      }
    }
    owner ??= ownerOf(nodes.get(id).callFrame.url, nodes.get(id).callFrame.functionName || "(anonymous)")
    callerCache.set(id, owner)
    return owner
  }
  const inWindow = (t) => windows.some((w) => t >= w.from && t <= w.to)
  // a sample stands for the time to the next one, but no more than twice the usual interval: a longer gap is the
  // process (or the profiler's thread) waiting for a core on a busy machine, not CPU spent where the sample was
  const deltas = [...profile.timeDeltas].filter((d) => d > 0).sort((a, b) => a - b)
  const cap = 2 * (deltas[deltas.length >> 1] ?? 1000)
  const tally = (useWindows) => {
    const byFrame = new Map()
    const byOwner = new Map()
    const byCaller = new Map()
    let t = profile.startTime
    let totalMs = 0
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0
      if (useWindows && !inWindow(t)) continue
      const node = nodes.get(profile.samples[i])
      const { functionName, url, lineNumber } = node.callFrame
      if (functionName === "(idle)") continue
      const ms = Math.min(profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0, cap) / 1000
      totalMs += ms
      const name = functionName || "(anonymous)"
      const owner = ownerOf(url, name)
      const key = `${name} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ""}`.trim()
      byFrame.set(key, (byFrame.get(key) ?? 0) + ms)
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + ms)
      const caller = callerOf(node.id)
      byCaller.set(caller, (byCaller.get(caller) ?? 0) + ms)
    }
    return { byFrame, byOwner, byCaller, totalMs }
  }
  let whole = false
  let result = windows.length ? tally(true) : undefined
  if (!result || result.totalMs === 0) {
    whole = true
    result = tally(false)
  }
  const top = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
  return { whole, totalMs: result.totalMs, frames: top(result.byFrame, 15), owners: top(result.byOwner, 12), callers: top(result.byCaller, 12) }
}

function shortUrl(url) {
  const file = url.replace(/^file:\/\//, "")
  const nm = file.lastIndexOf("node_modules/")
  if (nm !== -1) return file.slice(nm + "node_modules/".length)
  const root = path.join(__dirname, "../..") + "/"
  return file.startsWith(root) ? file.slice(root.length) : file
}

module.exports = { newestProfile, summarize }
