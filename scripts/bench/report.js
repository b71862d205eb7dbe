/**
 * The benchmark's printout: the machine, the issue's targets next to the
 * figures (met / NOT MET, and why where not), then each section's table.
 */
const median = (values) => {
  const list = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (!list.length) return NaN
  const mid = list.length >> 1
  return list.length % 2 ? list[mid] : (list[mid - 1] + list[mid]) / 2
}

/** The median of each figure over a kind's rounds. */
function medianRun(runs) {
  if (!runs?.length) return undefined
  const keys = ["requests", "rps", "p50", "p99", "non2xx", "errors", "cpuMsPerReq", "cpuAnsweringMsPerReq", "dbCpuMsPerReq", "rssBefore", "rssPeak", "rssAfter", "othersPct"]
  const m = Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))]))
  // several process groups (a server and a worker instance): each one's share, and how long the worker took to drain
  if (runs[0].byGroup) {
    m.byGroup = Object.fromEntries(
      Object.keys(runs[0].byGroup).map((name) => [
        name,
        Object.fromEntries(["cpuMsPerReq", "cpuAnsweringMsPerReq"].map((k) => [k, median(runs.map((r) => r.byGroup[name]?.[k]))])),
      ])
    )
  }
  if (runs.some((r) => "drainMs" in r)) {
    m.drainMs = median(runs.map((r) => r.drainMs))
    m.undrained = runs.filter((r) => r.drainMs === undefined || r.drainMs === null).length
  }
  // counts are summed over the rounds, so that one bad answer is never hidden by a median
  m.non2xx = runs.reduce((s, r) => s + r.non2xx, 0)
  m.errors = runs.reduce((s, r) => s + r.errors, 0)
  m.requestsTotal = runs.reduce((s, r) => s + r.requests, 0)
  m.rounds = runs.length
  m.unsettled = runs.filter((r) => !r.settled).length
  // the round other processes disturbed least: on a shared machine, the closest to what the code can do
  m.quietest = runs.reduce((best, r) => (r.othersPct < best.othersPct ? r : best))
  return m
}

const num = (v, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "–")

/** A plain text table: `columns` [{ title, align }], rows of strings. */
function table(columns, rows) {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => String(r[i]).length)))
  const cell = (text, i) => (columns[i].align === "left" ? String(text).padEnd(widths[i]) : String(text).padStart(widths[i]))
  const line = (cells) => `  ${cells.map(cell).join("  ")}`.trimEnd()
  return [line(columns.map((c) => c.title)), `  ${widths.map((w) => "-".repeat(w)).join("  ")}`, ...rows.map(line)].join("\n")
}

const L = (title) => ({ title, align: "left" })
const R = (title) => ({ title, align: "right" })

function loadRow(label, m) {
  if (!m) return [label, "–", "–", "–", "–", "–", "–", "–", "–", "–", ""]
  return [
    label,
    num(m.rps),
    num(m.p50),
    num(m.p99),
    `${m.non2xx}${m.errors ? ` (+${m.errors} errors)` : ""}`,
    num(m.cpuMsPerReq, 2),
    num(m.cpuAnsweringMsPerReq, 2),
    num(m.dbCpuMsPerReq, 2),
    `${m.requestsTotal}/${m.rounds}${m.unsettled ? ` (${m.unsettled} unsettled)` : ""}`,
    num(m.othersPct),
    m.rounds > 1 ? `${num(m.quietest.rps)}/s ${num(m.quietest.cpuMsPerReq, 2)} ms (${num(m.quietest.othersPct)}%)` : "",
  ]
}

const LOAD_COLUMNS = [L("route"), R("req/s"), R("p50 ms"), R("p99 ms"), R("non-2xx"), R("Medusa CPU ms/req"), R("…until answered"), R("PG CPU ms/req"), R("requests/rounds"), R("others' CPU %"), R("quietest round: req/s, CPU/req (others %)")]

/** A note when other processes took a real share of the machine during a section's runs. */
const others = (m) => {
  const pct = Math.max(...Object.values(m).map((run) => run?.othersPct ?? 0))
  return pct >= 15 ? `; other processes took ${num(pct)}% of the machine's CPU during these runs (median round)` : ""
}

/** The quietest round's figure, when there were rounds to choose from. */
const quiet = (m, figure) => (m.rounds > 1 ? `${figure(m.quietest)} (${num(m.quietest.othersPct)}% others)` : "")

/** The issue's targets as rows `{ target, figure, baseline, met, why }`. */
function targets(r) {
  const rows = []
  const dup = r.dup
  const fresh = r.fresh
  const add = (target, figure, baseline, met, why, quietest = "") => rows.push({ target, figure, baseline, met, why, quietest })
  if (dup) {
    add(
      "duplicates >= 300/s at concurrency 50 (plugin route)",
      `${num(dup.plugin.rps)}/s`,
      `built-in ${num(dup.builtin.rps)}/s, /health ${num(dup.health.rps)}/s`,
      dup.plugin.rps >= 300,
      `a duplicate costs ${num(dup.plugin.cpuMsPerReq, 2)} ms of Medusa CPU (+${num(dup.plugin.dbCpuMsPerReq, 2)} ms PostgreSQL) vs ` +
        `${num(dup.health.cpuMsPerReq, 2)} ms for /health through the same Express stack; the Node process is one thread, so ` +
        `1000/${num(dup.plugin.cpuMsPerReq, 2)} ≈ ${num(1000 / dup.plugin.cpuMsPerReq)}/s is its ceiling on this machine` + others(dup),
      quiet(dup.plugin, (q) => `${num(q.rps)}/s`)
    )
  }
  const topo = r.topology?.plugin
  if (topo) {
    const server = topo.byGroup?.server
    const worker = topo.byGroup?.worker
    add(
      "fresh events >= 200/s at concurrency 50 (plugin route, server + worker on Redis)",
      `${num(topo.rps)}/s`,
      `single medusa start ${fresh ? num(fresh.plugin.rps) : "–"}/s; built-in ${fresh ? num(fresh.builtin.rps) : "–"}/s (single, answers only)`,
      topo.rps >= 200,
      `the server instance spends ${num(server?.cpuAnsweringMsPerReq, 2)} ms of CPU per fresh event until answered ` +
        `(ceiling 1000/${num(server?.cpuAnsweringMsPerReq, 2)} ≈ ${num(1000 / server?.cpuAnsweringMsPerReq)}/s on one core), ` +
        `+${num(topo.dbCpuMsPerReq, 2)} ms PostgreSQL; the worker's ${num(worker?.cpuMsPerReq, 2)} ms/event of processing ` +
        `(${num(worker?.cpuAnsweringMsPerReq, 2)} of it during the intake) share the same ${r.machine?.cpus ?? "?"} cores with the ` +
        `server, PostgreSQL, Redis and the load generator` + others({ topo }),
      quiet(topo, (q) => `${num(q.rps)}/s`)
    )
  }
  if (fresh) {
    add(
      `fresh events >= 200/s at concurrency 50 (plugin route${topo ? ", single medusa start: for comparison" : ""})`,
      `${num(fresh.plugin.rps)}/s`,
      `built-in ${num(fresh.builtin.rps)}/s (answers only: it processes 5 s later)`,
      fresh.plugin.rps >= 200,
      `a fresh event costs ${num(fresh.plugin.cpuMsPerReq, 2)} ms of Medusa CPU in all, ${num(fresh.plugin.cpuAnsweringMsPerReq, 2)} ms of it ` +
        `while the run lasted: the processing workflow starts at once in the same process and competes with the intake ` +
        `(the built-in route's events cost ${num(fresh.builtin.cpuMsPerReq, 2)} ms each, processed after the run)` +
        (topo ? "; production runs a server and a worker instance (the row above)" : r.topology?.skipped ? `; server + worker not measured: ${r.topology.skipped}` : "") +
        others(fresh),
      quiet(fresh.plugin, (q) => `${num(q.rps)}/s`)
    )
  }
  for (const [kind, m] of [["duplicates", dup], ["fresh events", fresh]]) {
    if (!m) continue
    add(
      `Medusa CPU per webhook <= built-in route's (${kind})`,
      `${num(m.plugin.cpuMsPerReq, 2)} ms`,
      `${num(m.builtin.cpuMsPerReq, 2)} ms`,
      m.plugin.cpuMsPerReq <= m.builtin.cpuMsPerReq,
      `plugin ${num(m.plugin.cpuMsPerReq, 2)} ms vs built-in ${num(m.builtin.cpuMsPerReq, 2)} ms per webhook, each with all the ` +
        `work it causes: the plugin route verifies, looks the session up and stores before it answers; the built-in route answers ` +
        `at once and its subscribers do the same verify, lookup and insert 5 s later` +
        (kind === "fresh events" ? `, then the processing workflow, after the run, where the plugin route's events are processed while the 50 connections keep sending` : "") +
        (kind === "fresh events" && topo
          ? `; on server + worker (Redis) a fresh event costs ${num(topo.cpuMsPerReq, 2)} ms in all (server ${num(topo.byGroup?.server?.cpuMsPerReq, 2)}, worker ${num(topo.byGroup?.worker?.cpuMsPerReq, 2)})`
          : "") +
        others(m),
      m.plugin.rounds > 1 ? `${num(m.plugin.quietest.cpuMsPerReq, 2)} vs ${num(m.builtin.quietest.cpuMsPerReq, 2)} ms` : ""
    )
  }
  for (const [kind, m] of [["duplicates", dup], ["fresh events", fresh]]) {
    if (!m) continue
    add(
      `p99 <= 1.5x built-in route's (${kind})`,
      `${num(m.plugin.p99)} ms`,
      `${num(m.builtin.p99)} ms (x1.5 = ${num(m.builtin.p99 * 1.5)})`,
      m.plugin.p99 <= 1.5 * m.builtin.p99,
      `the built-in route only queues the event before it answers; the plugin's answers wait for the verify, the session ` +
        `lookup and the inbox insert, behind the CPU the other requests (and, for fresh events, the processing) take` + others(m),
      m.plugin.rounds > 1 ? `${num(m.plugin.quietest.p99)} vs ${num(m.builtin.quietest.p99)} ms` : ""
    )
  }
  const history = r.history
  if (history?.length > 1) {
    const [empty, ...grown] = history
    const p50 = (entry, providerId, key) => median(entry.byProvider[providerId][key])
    for (const [key, what] of [["sessionMs", "payment-session creation"], ["orderMs", "checkout (paid webhook -> order)"]]) {
      const last = grown[grown.length - 1]
      const ratio = p50(last, "pp_romb_romb", key) / p50(empty, "pp_romb_romb", key)
      const systemRatio = p50(last, "pp_system_default", key) / p50(empty, "pp_system_default", key)
      add(
        `${what} at ${last.level.toLocaleString("en")} gateway orders within 10% of the empty shop (Romb)`,
        `${num(p50(last, "pp_romb_romb", key))} ms (x${num(ratio, 2)})`,
        `empty shop ${num(p50(empty, "pp_romb_romb", key))} ms; pp_system_default x${num(systemRatio, 2)} in the same rounds`,
        ratio <= 1.1,
        `Romb's ${what} went from ${num(p50(empty, "pp_romb_romb", key))} to ${num(p50(last, "pp_romb_romb", key))} ms while ` +
          `pp_system_default's (no plugin table involved) moved x${num(systemRatio, 2)}: a ratio near the baseline's is the machine, ` +
          `not the history (integration-tests/http/query-plans.spec.ts proves every plugin statement uses an index)`
      )
    }
  }
  for (const v of r.verify ?? []) {
    add(
      `verify <= 2x raw crypto (${v.gateway})`,
      `${num(v.pluginUs, 1)} µs`,
      `${v.rawName} ${num(v.rawUs, 1)} µs (x${num(v.ratio, 1)})`,
      v.ratio <= 2,
      `strict parse ${num(v.parseUs, 1)} µs + signature over the parsed fields ${num(v.checkUs, 1)} µs vs one ${v.rawName} of the ` +
        `body ${num(v.rawUs, 1)} µs${v.note ? ` (${v.note})` : ""}` +
        (dup ? `; the whole verify is ${num((v.pluginUs / 1000 / dup.plugin.cpuMsPerReq) * 100, 1)}% of the CPU a duplicate webhook costs` : "")
    )
  }
  return rows
}

/** The server + worker rows of the fresh-events table: both together, then each instance's share of the CPU. */
function topologyRows(r) {
  const m = r.topology?.plugin
  if (!m) return []
  const share = (label, g) => [label, "", "", "", "", num(g?.cpuMsPerReq, 2), num(g?.cpuAnsweringMsPerReq, 2), "", "", "", ""]
  return [
    loadRow("POST /hooks/payment-gateways/romb_romb (plugin), server + worker (Redis)", m),
    ...Object.entries(m.byGroup ?? {}).map(([name, g]) => share(`  of which the ${name} instance`, g)),
  ]
}

/** The server + worker section's own lines (under the fresh-events table): how it ran, the worker's drain, or why it was skipped. */
function printTopology(r, out) {
  const t = r.topology
  out("")
  if (t.skipped) {
    out(`Fresh events on a server + worker (Redis): skipped: ${t.skipped}`)
    return
  }
  const m = t.plugin
  if (!m) return
  if (!r.fresh) out(table(LOAD_COLUMNS, topologyRows(r)))
  out(
    `Fresh events on a server + worker (Redis): ${t.redis}; two medusa start processes on the same database, MEDUSA_WORKER_MODE=server ` +
      `(the load goes to it) and =worker (subscribers, scheduled jobs; Medusa's Redis event bus hands it one event at a time); ` +
      `the single process stopped first, the inbox emptied; ${r.plan.topoCap} requests (at most ${r.plan.topoSeconds} s) × ${r.plan.topoRounds} ` +
      `round(s) after ${r.plan.topoWarmUp} warm-up events (medians); CPU: both process groups, until the worker has processed every event`
  )
  out(
    `  the worker had processed every event (nothing received/processing) ${num(m.drainMs / 1000, 1)} s after the last answer` +
      `${m.undrained ? ` (${m.undrained} round(s) did NOT drain within the wait)` : ""}; idle the two spend ${num(t.idleMsPerSecond)} ms CPU/s ` +
      `(server ${num(t.idleByGroup?.server)}, worker ${num(t.idleByGroup?.worker)}), charged net of it`
  )
  out(
    `  section took ${num(t.seconds)} s: ${num(t.bootSeconds)} s stopping the single process and booting both, the rest warm-up and runs ` +
      `(Redis and the migration with REDIS_URL, ${num(t.migrateSeconds)} s, ran while the sessions were opened)`
  )
  const states = (t.runs ?? []).map((run) => `${run.requests} answered, stored ${JSON.stringify(run.states ?? {})}`)
  if (states.length) out(`  each round's events: ${states.join("; ")}`)
}

function printReport(r, out = console.log) {
  out("")
  out("== npm run bench: webhook intake (issue 11) ==")
  out(
    `machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB; node ${r.machine.node}; ` +
      `PostgreSQL ${r.machine.postgres}; Medusa ${r.machine.medusa}; autocannon ${r.machine.autocannon}`
  )
  out(`mode: ${r.mode}; load average at start ${r.machine.loadStart}, at the end ${r.machine.loadEnd} (other work on the machine skews every figure)`)
  out(`took ${num(r.seconds)} s (boot ${num(r.bootSeconds)} s); concurrency 50 unless said; CPU figures are net of the idle server's ${num(r.idleMsPerSecond)} ms/s`)
  out("Medusa CPU: user+system time of the medusa start process group (/proc; server + worker rows: both instances' groups), from the first request until the app is idle again")
  out("(inbox has nothing received/processing, CPU back to idle), so it includes the processing after the answer; '…until answered':")
  out("the same up to the last answer; PG CPU: the bench database's PostgreSQL backends. The load generator shares the 2 cores;")
  out("others' CPU %: what other processes on the machine took of both cores during the runs (high = figures disturbed).")

  const rows = targets(r)
  out("")
  out("Targets (issue 11)")
  const rounds = rows.some((t) => t.quietest)
  out(table(
    [L("target"), R("measured (median)"), L("baseline, same run"), L("met?"), ...(rounds ? [L("quietest round: plugin (vs built-in)")] : [])],
    rows.map((t) => [t.target, t.figure, t.baseline, t.met ? "met" : "NOT MET", ...(rounds ? [t.quietest] : [])])
  ))
  const unmet = rows.filter((t) => !t.met)
  if (unmet.length) {
    out("")
    out("Why not met")
    for (const t of unmet) out(`  - ${t.target}: ${t.why}`)
    if (!r.profile) out("  (BENCH_PROFILE=1 runs Medusa under node --cpu-prof and lists where its CPU went)")
  }

  if (r.dup) {
    out("")
    out(`Duplicate webhooks: the same genuine Romb PAID body again and again, concurrency 50, ${r.plan.dupSeconds} s × ${r.plan.rounds} interleaved rounds (medians)`)
    out(table(LOAD_COLUMNS, [
      loadRow("POST /hooks/payment-gateways/romb_romb (plugin)", r.dup.plugin),
      loadRow("POST /hooks/payment/romb_romb (Medusa built-in)", r.dup.builtin),
      loadRow("GET /health", r.dup.health),
    ]))
  }
  if (r.other?.length) {
    out("")
    out(`Duplicates of the other gateways' paid word on the plugin route (concurrency 50, ${r.plan.otherSeconds} s, one run each)`)
    out(table(LOAD_COLUMNS, r.other.map((run) => loadRow(`${run.label} (${run.providerId})`, medianRun([run])))))
  }
  if (r.fresh) {
    out("")
    out(
      `Fresh events: a new genuine Romb event per request (WAIT, new transaction id) over ${r.plan.freshPool} open sessions, concurrency 50, ` +
        `${r.plan.freshSeconds} s or ${r.plan.freshCap} requests × ${r.plan.rounds} interleaved rounds (medians; CPU includes processing to the end)`
    )
    out(table(LOAD_COLUMNS, [
      loadRow("POST /hooks/payment-gateways/romb_romb (plugin), single medusa start", r.fresh.plugin),
      loadRow("POST /hooks/payment/romb_romb (Medusa built-in), single medusa start", r.fresh.builtin),
      ...topologyRows(r),
    ]))
  }
  if (r.topology) printTopology(r, out)
  if (r.checkouts) {
    out("")
    out("Storefront checkouts: from the payment (paid webhook sent; pp_system_default: POST /store/carts/:id/complete) to the order in the database")
    const checkouts = r.checkouts instanceof Map ? [...r.checkouts] : Object.entries(r.checkouts)
    const system = checkouts.find(([id]) => id === "pp_system_default")?.[1] ?? []
    const systemP50 = median(system.map((t) => t.orderMs))
    out(table([L("provider"), R("n"), R("webhook answered p50 ms"), R("order p50 ms"), R("order max ms"), R("plugin's added ms at p50")], checkouts.map(([id, list]) => {
      const p50 = median(list.map((t) => t.orderMs))
      return [id, list.length, id === "pp_system_default" ? "–" : num(median(list.map((t) => t.answerMs))), num(p50), num(Math.max(...list.map((t) => t.orderMs))), id === "pp_system_default" ? "(baseline)" : num(p50 - systemP50)]
    })))
  }
  if (r.history?.length) {
    out("")
    out(`Cost against history: ${r.plan.historyCheckouts} interleaved checkouts per provider at each level of stored gateway orders (written with SQL; medians, ms)`)
    out(table([R("gateway orders"), L("provider"), R("session POST p50"), R("order p50"), R("session vs empty"), R("order vs empty")], r.history.flatMap((entry) =>
      Object.entries(entry.byProvider).map(([id, t]) => {
        const empty = r.history[0].byProvider[id]
        return [
          entry.level.toLocaleString("en"), id, num(median(t.sessionMs)), num(median(t.orderMs)),
          `x${num(median(t.sessionMs) / median(empty.sessionMs), 2)}`, `x${num(median(t.orderMs) / median(empty.orderMs), 2)}`,
        ]
      })
    )))
  }
  if (r.verify) {
    out("")
    out(`Verify in-process (µs/op, medians of ${r.plan.verifyRounds} interleaved rounds)`)
    out(table([L("gateway"), R("bytes"), R("raw crypto"), R("plugin parse+verify"), R("ratio"), R("parse"), R("signature"), R("provider verifyWebhook")], r.verify.map((v) => [
      `${v.gateway} (${v.rawName})`, v.bytes, num(v.rawUs, 1), num(v.pluginUs, 1), `x${num(v.ratio, 1)}`, num(v.parseUs, 1), num(v.checkUs, 1), num(v.providerUs, 1),
    ])))
    if (r.otherHotPaths) out(table([L("other hot paths"), R("µs/op")], r.otherHotPaths.map(([name, us]) => [name, num(us, 2)])))
  }
  if (r.memory) {
    const m = r.memory
    const gc = (x, key) => (x ? num(x[key]) : "–")
    out("")
    out(`Memory of the Medusa process around ${m.requests.toLocaleString("en")} duplicate webhooks on the plugin route (${num(m.rps)}/s, p99 ${num(m.p99)} ms, ${m.non2xx} non-2xx)`)
    out(table([L(""), R("before"), R("after"), R("growth")], [
      ["RSS as it is, MiB", num(m.rssBefore), num(m.rssAfter), num(m.rssAfter - m.rssBefore)],
      ["RSS after a full GC, MiB", gc(m.gcBefore, "rss"), gc(m.gcAfter, "rss"), m.gcBefore && m.gcAfter ? num(m.gcAfter.rss - m.gcBefore.rss) : "–"],
      ["V8 heap used after a full GC, MiB", gc(m.gcBefore, "heapUsed"), gc(m.gcAfter, "heapUsed"), m.gcBefore && m.gcAfter ? num(m.gcAfter.heapUsed - m.gcBefore.heapUsed, 1) : "–"],
    ]))
    out(`  RSS after each ${num(m.requests / m.rssSeries.length)} webhooks: ${m.rssSeries.map((v) => num(v)).join(" → ")} MiB (peak ${num(m.rssPeak)}); V8 collects lazily, so the heap after a full GC is what the server keeps`)
  }
  if (r.inbox) {
    out("")
    out(`Intake with a full inbox: fresh events on the plugin route, empty inbox vs ${r.plan.fill.toLocaleString("en")} events stored (inserted with SQL in ${num(r.inbox.fillMs / 1000, 1)} s), ${r.plan.inboxRounds} round(s)`)
    out(table(LOAD_COLUMNS, [loadRow("empty inbox", medianRun(r.inbox.empty)), loadRow(`${r.plan.fill.toLocaleString("en")} events stored`, medianRun(r.inbox.full))]))
  }
  if (r.profile) {
    out("")
    out(`Where Medusa's CPU went (node --cpu-prof, ${r.profile.file}; figures above are from the profiled server, a little slower; the server + worker instances are not profiled)`)
    for (const section of r.profile.sections) {
      out(`  ${section.title}: ${num(section.totalMs)} ms of samples${section.whole ? " (the whole profile: the run windows did not match its clock)" : ""}`)
      out(table([L("self time by package / plugin folder"), R("ms"), R("%")], section.owners.map(([name, ms]) => [name, num(ms), num((ms / section.totalMs) * 100, 1)])))
      out(table([L("…native and Node built-in time charged to the package that called it"), R("ms"), R("%")], section.callers.map(([name, ms]) => [name, num(ms), num((ms / section.totalMs) * 100, 1)])))
      out(table([L("top functions by self time"), R("ms"), R("%")], section.frames.map(([name, ms]) => [name.length > 110 ? `${name.slice(0, 107)}...` : name, num(ms), num((ms / section.totalMs) * 100, 1)])))
    }
  }
  if (r.errors.length) {
    out("")
    out("Sections that failed")
    for (const e of r.errors) out(`  - ${e}`)
  }
  out("")
}

module.exports = { printReport, medianRun, median, targets }
