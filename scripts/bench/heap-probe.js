/**
 * Preloaded into the Medusa server by `npm run bench` (`node --expose-gc -r`):
 * on SIGUSR2 it runs a full garbage collection and writes the process's
 * memory use to BENCH_HEAP_FILE, so the benchmark can tell memory the server
 * keeps from memory V8 simply has not collected yet. Changes nothing else.
 */
const fs = require("node:fs")

if (process.env.BENCH_HEAP_FILE) {
  process.on("SIGUSR2", () => {
    global.gc?.()
    global.gc?.()
    const file = process.env.BENCH_HEAP_FILE
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ gc: typeof global.gc === "function", ...process.memoryUsage() }))
    fs.renameSync(`${file}.tmp`, file)
  })
}
