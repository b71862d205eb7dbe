/**
 * CPU time and memory of processes, read from /proc (Linux): what a process
 * group (the Medusa server and anything it forked) and a set of PostgreSQL
 * backends spent, so that a run can be charged per request.
 */
const fs = require("node:fs")
const { execFileSync } = require("node:child_process")

let ticksPerSecond
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** `/proc/<pid>/stat` fields after the command name: [state, ppid, pgrp, ...]; undefined when gone. */
function statFields(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return text.slice(text.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

/** CPU ms of one process: its user + system time and that of its children it has waited for. */
function processCpuMs(pid) {
  const f = statFields(pid)
  if (!f) return undefined
  // fields 14-17 of stat (1-based, comm = 2): utime stime cutime cstime; here index = field - 3
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
  return (ticks * 1000) / clockTicks()
}

const pids = () => fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number)

/** The pids of process group `pgid`. */
function groupPids(pgid) {
  return pids().filter((pid) => Number(statFields(pid)?.[2]) === pgid)
}

/** CPU ms of every process in group `pgid` (the server and what it forked; children it reaped count through it). */
function groupCpuMs(pgid) {
  let total = 0
  for (const pid of groupPids(pgid)) total += processCpuMs(pid) ?? 0
  return total
}

/** Resident memory of one process in MiB. */
function rssMiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return match ? Number(match[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

function groupRssMiB(pgid) {
  return groupPids(pgid).reduce((sum, pid) => sum + (rssMiB(pid) ?? 0), 0)
}

/**
 * CPU of a changing set of processes (PostgreSQL backends of one database):
 * `snapshot(pids)` keeps each pid's CPU, `since(previous, pids)` adds up what
 * each spent after it (a pid new since then counts from 0).
 */
function cpuSnapshot(list) {
  const snap = new Map()
  for (const pid of list) {
    const ms = processCpuMs(pid)
    if (ms !== undefined) snap.set(pid, ms)
  }
  return snap
}

function cpuSince(previous, list) {
  let total = 0
  for (const [pid, ms] of cpuSnapshot(list)) total += ms - (previous.get(pid) ?? 0)
  return total
}

/** CPU ms every process on the machine has spent since boot (all cores; /proc/stat's first line, idle and iowait left out). */
function machineBusyMs() {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number)
    return ((user + nice + system + irq + softirq + steal) * 1000) / clockTicks()
  } catch {
    return NaN
  }
}

/** The 1-minute load average and how many processes are running now (other work on the machine skews every figure). */
function machineLoad() {
  try {
    const [one, , , running] = fs.readFileSync("/proc/loadavg", "utf8").split(" ")
    return { loadavg1: Number(one), running: running }
  } catch {
    return { loadavg1: NaN, running: "?" }
  }
}

module.exports = { machineBusyMs, clockTicks, processCpuMs, groupPids, groupCpuMs, rssMiB, groupRssMiB, cpuSnapshot, cpuSince, machineLoad }
