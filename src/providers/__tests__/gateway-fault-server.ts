import http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { MedusaError } from "@medusajs/framework/utils"
import { GatewayError } from "../../lib/errors"

/**
 * A local stand-in for a gateway that answers every call normally except the
 * one under test, which it answers with a fault: a 5xx, silence, a reset
 * connection, a body that is not JSON or not of the documented shape, or a
 * refusal of the credentials. It records every request it received, so a
 * test can count attempts and read what each one carried.
 */

export type ReceivedRequest = {
  /** The gateway call, e.g. "invoice/create" (see `identify`). */
  call: string
  method: string
  path: string
  query: Record<string, string>
  /** Parsed JSON or form fields; the raw text when neither parses. */
  body: any
  headers: http.IncomingHttpHeaders
}

export type Answer = { status?: number; body: unknown; raw?: boolean; contentType?: string }

/** How one gateway answers its calls when nothing is wrong; fresh state per server. */
export type NormalAnswers = Record<string, (request: ReceivedRequest) => Answer>

/** `rejected`: the gateway answered and refused (not a fault, but its message must leak nothing either). */
export type FaultKind = "unavailable" | "misconfigured" | "rejected"

/**
 * The provider's `timeoutMs`: short where the gateway never answers (so the
 * suite stays fast), generous elsewhere (so a loaded machine never turns a
 * prompt answer into a timeout).
 */
export const SILENT_TIMEOUT_MS = 300
export const ANSWERING_TIMEOUT_MS = 5000

export type Fault = {
  name: string
  /** The gateway never answers: the provider runs with SILENT_TIMEOUT_MS. */
  silent?: boolean
  /** What the user must see: the gateway unavailable, or its credentials refused. */
  kind: FaultKind
  /** A fault below the answer (5xx, silence, reset): the HTTP client retries it for idempotent calls only. */
  transport: boolean
  act(res: http.ServerResponse, request: ReceivedRequest, normal: () => Answer): void
}

const json = (status: number, body: unknown, contentType = "application/json"): Fault["act"] => (res) => {
  res.writeHead(status, { "Content-Type": contentType })
  res.end(typeof body === "string" ? body : JSON.stringify(body))
}

/** Answers with a status and a body (JSON unless a string is given with its content type). */
export const answerFault = (
  name: string,
  kind: FaultKind,
  status: number,
  body: unknown,
  contentType = "application/json"
): Fault => ({ name, kind, transport: false, act: json(status, body, contentType) })

/** The faults every call of every gateway is driven through. */
export const COMMON_FAULTS: Fault[] = [
  { name: "HTTP 500", kind: "unavailable", transport: true, act: json(500, { error: "Internal Server Error" }) },
  { name: "HTTP 502", kind: "unavailable", transport: true, act: json(502, "<html><body>502 Bad Gateway</body></html>", "text/html") },
  { name: "HTTP 503", kind: "unavailable", transport: true, act: json(503, "Service Unavailable", "text/plain") },
  { name: "timeout", kind: "unavailable", transport: true, silent: true, act: () => undefined },
  {
    name: "reset before answering",
    kind: "unavailable",
    transport: true,
    act: (res) => res.socket?.destroy(),
  },
  {
    name: "reset mid-answer",
    kind: "unavailable",
    transport: true,
    act: (res, _request, normal) => {
      const text = JSON.stringify(normal().body)
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(text.length + 100) })
      res.write(text.slice(0, Math.ceil(text.length / 2)))
      setTimeout(() => res.socket?.destroy(), 5)
    },
  },
  answerFault("invalid JSON", "unavailable", 200, '{"result": tr'),
  answerFault("JSON of the wrong shape {ok:true}", "unavailable", 200, { ok: true }),
  answerFault("JSON array", "unavailable", 200, [{ status: "success", result: true, success: true }]),
  answerFault("HTTP 401 (not JSON)", "misconfigured", 401, "Unauthorized", "text/plain"),
  answerFault("HTTP 401 {message}", "misconfigured", 401, { message: "Unauthenticated." }),
  answerFault("HTTP 403 (HTML)", "misconfigured", 403, "<html><body>403 Forbidden</body></html>", "text/html"),
]

/** The gateway's answer was processed, then lost: the request took effect but no answer ever comes. */
export const ANSWER_LOST: Fault = {
  name: "timeout after processing",
  kind: "unavailable",
  transport: true,
  silent: true,
  act: (_res, _request, normal) => void normal(),
}

export class FaultServer {
  readonly requests: ReceivedRequest[] = []
  private readonly faults = new Map<string, { fault: Fault; remaining: number }>()
  private readonly sockets = new Set<Socket>()
  private readonly server: http.Server
  url = ""

  private constructor(
    private readonly identify: (method: string, path: string) => string | undefined,
    private readonly answers: NormalAnswers
  ) {
    this.server = http.createServer((req, res) => this.handle(req, res))
    this.server.on("connection", (socket) => {
      this.sockets.add(socket)
      socket.on("close", () => this.sockets.delete(socket))
    })
  }

  static async start(identify: (method: string, path: string) => string | undefined, answers: NormalAnswers) {
    const server = new FaultServer(identify, answers)
    await new Promise<void>((resolve) => server.server.listen(0, "127.0.0.1", resolve))
    server.url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`
    return server
  }

  /** The next `times` requests of `call` get `fault` (by default, all of them). */
  fault(call: string, fault: Fault, times = Infinity) {
    this.faults.set(call, { fault, remaining: times })
    return this
  }

  received(call: string) {
    return this.requests.filter((request) => request.call === call)
  }

  async close() {
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => this.server.close(resolve))
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://gateway.local")
    // recorded on arrival: an attempt the client gave up on before its body was read still counts
    const request: ReceivedRequest = {
      call: this.identify(req.method ?? "", url.pathname) ?? `unknown ${req.method} ${url.pathname}`,
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      headers: req.headers,
    }
    this.requests.push(request)
    const chunks: Buffer[] = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      request.body = parseBody(Buffer.concat(chunks).toString("utf8"), req.headers["content-type"])
      const normal = () => {
        const answer = this.answers[request.call]
        return answer ? answer(request) : { status: 404, body: { error: `no such call: ${request.call}` } }
      }
      const planned = this.faults.get(request.call)
      if (planned && planned.remaining > 0) {
        planned.remaining--
        planned.fault.act(res, request, normal)
        return
      }
      send(res, normal())
    })
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (!text) return undefined
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text))
  }
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function send(res: http.ServerResponse, answer: Answer) {
  res.writeHead(answer.status ?? 200, { "Content-Type": answer.contentType ?? "application/json" })
  res.end(answer.raw ? String(answer.body) : JSON.stringify(answer.body))
}

/** What one provider call did against one fault server. */
export type Outcome = {
  requests: ReceivedRequest[]
  resolved: boolean
  value?: unknown
  error?: unknown
  ms: number
}

/** Runs `run` against a fresh fault server prepared by `prepare`, and closes it. */
export async function outcomeOf(
  start: () => Promise<FaultServer>,
  prepare: (server: FaultServer) => void,
  run: (server: FaultServer) => Promise<unknown>
): Promise<Outcome> {
  const server = await start()
  prepare(server)
  const began = Date.now()
  // a request the client sent just before giving up may still be on its way on a loaded machine
  const settled = () => new Promise((resolve) => setTimeout(resolve, 25))
  try {
    const value = await run(server)
    const ms = Date.now() - began
    await settled()
    return { requests: [...server.requests], resolved: true, value, ms }
  } catch (error) {
    const ms = Date.now() - began
    await settled()
    return { requests: [...server.requests], resolved: false, error, ms }
  } finally {
    await server.close()
  }
}

/** Runs tasks at most `limit` at a time (each fault server is a real socket; the gateway's timeouts are short). */
export async function inPool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++
        results[i] = await tasks[i]()
      }
    })
  )
  return results
}

const EXPECTED: Record<FaultKind, { type: string; code?: string }> = {
  unavailable: { type: MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR, code: "gateway_unavailable" },
  misconfigured: { type: MedusaError.Types.UNEXPECTED_STATE, code: "gateway_misconfigured" },
  rejected: { type: MedusaError.Types.INVALID_DATA, code: undefined },
}

/**
 * What a user notices about a fault: the call failed (no success data), with
 * the MedusaError of the fault's kind, a message naming the gateway and the
 * call, and no secret anywhere in it. `reconcileSession` is the one provider
 * method whose callers (the reconciliation job, the admin's sync) read the
 * message of the gateway's own error: with `gatewayErrorAllowed`, that error
 * is held to the same rules through the MedusaError it maps to.
 */
export function expectGatewayFault(
  outcome: Outcome,
  expected: { kind: FaultKind; gateway: RegExp; call: RegExp; secrets: string[]; gatewayErrorAllowed?: boolean }
) {
  if (outcome.resolved) {
    throw new Error(`the provider call succeeded on a gateway fault, returning ${JSON.stringify(outcome.value)}`)
  }
  const raw = outcome.error
  const error =
    raw instanceof GatewayError && expected.gatewayErrorAllowed ? raw.toMedusaError() : (raw as MedusaError)
  if (!(error instanceof MedusaError)) {
    throw new Error(`expected a MedusaError, got ${(raw as Error)?.constructor?.name}: ${(raw as Error)?.message}`)
  }
  // a refusal keeps the gateway's own code
  expect(expected.kind === "rejected" ? { type: error.type } : { type: error.type, code: error.code }).toEqual(
    expected.kind === "rejected" ? { type: EXPECTED.rejected.type } : EXPECTED[expected.kind]
  )
  // a refusal is worded by the client in the gateway's terms (tested with each client); a fault names gateway and call
  if (expected.kind !== "rejected") {
    expect(error.message).toMatch(expected.gateway)
    expect(error.message).toMatch(expected.call)
  }
  const seen = [
    error.message,
    String(error.code),
    error.stack ?? "",
    (raw as Error).message,
    (raw as Error).stack ?? "",
    JSON.stringify(raw),
    JSON.stringify(error),
  ].join("\n")
  for (const secret of expected.secrets) {
    expect(seen).not.toContain(secret)
  }
}

/** The expected number of attempts at a faulted call. */
export const attemptsFor = (fault: Fault, idempotent: boolean) => (fault.transport && idempotent ? 3 : 1)

/** One gateway call reached through one provider method. */
export type MatrixEntry<P, S = unknown> = {
  /** The gateway call, as the fault server names it, e.g. "invoice/create". */
  call: string
  /** The provider method (and flow) that reaches it. */
  via: string
  /** Whether the client sends the call as safe to repeat: then, and only then, transport faults are retried. */
  idempotent: boolean
  /** What the other calls of the gateway answer (e.g. the status order/get reports). */
  state?: S
  faults: Fault[]
  run: (provider: P, server: FaultServer) => Promise<unknown>
  /** Checks of the run without a fault (by default: it succeeds). */
  control?: (outcome: Outcome) => void
  /** Further checks of a faulted run. */
  extra?: (outcome: Outcome, fault: Fault) => void
  /** reconcileSession: its callers read the gateway's error itself (see expectGatewayFault). */
  gatewayErrorAllowed?: boolean
}

/** One gateway's matrix: its entries, how to start its fault server and build its provider, what its messages name. */
export type MatrixInput<P, S = unknown> = {
  title: string
  start: (entry: MatrixEntry<P, S>) => Promise<FaultServer>
  provider: (server: FaultServer, timeoutMs: number) => P
  entries: MatrixEntry<P, S>[]
  gateway: RegExp
  callPattern: (call: string) => RegExp
  secrets: string[]
}

/** Typed in one place, listed with the others in `faultMatrices`. */
export const defineMatrix = <P, S>(input: MatrixInput<P, S>) => input as MatrixInput<any, any>

/** The payment session every gateway's fault tests pay for (and the order number of gateways that take one). */
export const SESSION_ID = "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W"

/** What Medusa passes to initiatePayment in the fault tests: 1790.50 RUB for SESSION_ID, the customer's email. */
export const initiateInput = () => ({
  amount: 1790.5,
  currency_code: "rub",
  data: { session_id: SESSION_ID },
  context: { customer: { email: "shopper@example.com" } } as any,
})

/** The requests one provider call made of a gateway call, e.g. its attempts. */
export const requestsOf = (outcome: Outcome, call: string) => outcome.requests.filter((request) => request.call === call)

/** How a fault message names a call by default: the call itself, e.g. "order/create". */
const namedCall = (call: string) => new RegExp(call.replace("/", "\\/"))

/** What is particular to one gateway in its fault tests; the servers, faults and matrix are common (gatewayFaultTests). */
export type GatewayFaultSpec<P, S> = {
  title: string
  /** Names the gateway call of a request (e.g. "invoice/create"), undefined for anything else. */
  identify: (method: string, path: string) => string | undefined
  /** How the gateway answers its calls when nothing is wrong, in an entry's `state`; fresh per server. */
  answers: (state?: S) => NormalAnswers
  /** The provider under test (or a maker of it) talking to `server`. */
  provider: (server: FaultServer, timeoutMs: number) => P
  /** The gateway's own refusals of the credentials: every call meets them besides COMMON_FAULTS. */
  refusals: Fault[]
  /** What a fault message must name: the gateway, and each call (by default the call itself). */
  gateway: RegExp
  callPattern?: (call: string) => RegExp
  /** What no message may carry. */
  secrets: string[]
}

/** A run of a provider call against one fault server (see outcomeOf). */
type ProviderRun<P> = (provider: P, server: FaultServer) => Promise<unknown>

/**
 * One gateway's fault tests, built from its spec: the faults its calls meet,
 * its matrix for `faultMatrices`, and single runs for the tests beside it.
 */
export function gatewayFaultTests<P, S = unknown>(spec: GatewayFaultSpec<P, S>) {
  const start = (answers: NormalAnswers = spec.answers()) => FaultServer.start(spec.identify, answers)
  /** `run` against a gateway answering as `answers` (by default, as normal), prepared by `prepare`. */
  const outcome = (prepare: (server: FaultServer) => void, run: ProviderRun<P>, answers?: NormalAnswers) =>
    outcomeOf(
      () => start(answers),
      prepare,
      // a lost answer is silence: the short timeout keeps these runs quick
      (server) => run(spec.provider(server, SILENT_TIMEOUT_MS), server)
    )
  return {
    faults: [...COMMON_FAULTS, ...spec.refusals],
    matrix: (entries: MatrixEntry<P, S>[]) =>
      defineMatrix<P, S>({
        title: spec.title,
        start: (entry) => start(spec.answers(entry.state)),
        provider: spec.provider,
        entries,
        gateway: spec.gateway,
        callPattern: spec.callPattern ?? namedCall,
        secrets: spec.secrets,
      }),
    outcome,
    /** `run` where the gateway processes the first `call` but its answer never comes (the client's retry gets the next). */
    answerLostOnce: (call: string, run: ProviderRun<P>, answers?: NormalAnswers) =>
      outcome((server) => void server.fault(call, ANSWER_LOST, 1), run, answers),
  }
}

/**
 * Declares the suites of the gateways' matrices. Each entry is first run
 * without a fault (it must succeed, so the fault is what makes a faulted run
 * fail); then every entry meets every fault: the faulted runs of all
 * gateways go in parallel in one `beforeAll`, each with its own server, and
 * one test per entry and fault checks its outcome.
 */
export function faultMatrices(inputs: MatrixInput<any, any>[], concurrency = 32) {
  type Entry = MatrixEntry<any, any>
  const outcomes = new Map<Entry, Map<Fault, Outcome>>()
  const controls = new Map<Entry, Outcome>()
  const rows = new Map<string, MatrixRow[]>(inputs.map((input) => [input.title, []]))
  const run = (input: MatrixInput<any, any>, entry: Entry, fault?: Fault) =>
    outcomeOf(
      () => input.start(entry),
      (server) => void (fault && server.fault(entry.call, fault)),
      (server) => entry.run(input.provider(server, fault?.silent ? SILENT_TIMEOUT_MS : ANSWERING_TIMEOUT_MS), server)
    )

  beforeAll(async () => {
    const began = Date.now()
    // the control runs, one at a time, also warm up the HTTP stack before the short timeouts count
    for (const input of inputs) for (const entry of input.entries) controls.set(entry, await run(input, entry))
    const tasks = inputs.flatMap((input) =>
      input.entries.flatMap((entry) =>
        entry.faults.map((fault) => ({
          // the slow ones (retries with backoff, silence) first, so that they overlap
          weight: (fault.silent ? 2 : 0) + (fault.transport && entry.idempotent ? 1 : 0),
          task: async () => {
            const outcome = await run(input, entry, fault)
            if (!outcomes.has(entry)) outcomes.set(entry, new Map())
            outcomes.get(entry)!.set(fault, outcome)
            rows.get(input.title)!.push({
              call: entry.call,
              via: entry.via,
              fault: fault.name,
              attempts: requestsOf(outcome, entry.call).length,
              result: describeResult(outcome),
              ms: outcome.ms,
            })
          },
        }))
      )
    )
    tasks.sort((a, b) => b.weight - a.weight)
    const faulted = Date.now()
    await inPool(
      tasks.map((t) => t.task),
      concurrency
    )
    if (process.env.GATEWAY_FAULTS_MATRIX) {
      // eslint-disable-next-line no-console
      console.log(`controls ${faulted - began} ms, ${tasks.length} faulted runs ${Date.now() - faulted} ms`)
    }
  }, 60_000)

  afterAll(() => {
    for (const [title, list] of rows) printMatrix(title, list)
  })

  for (const input of inputs) {
    describe(`${input.title} gateway faults`, () => {
      describe.each(input.entries.map((entry) => [entry.call, entry.via, entry] as const))("%s via %s", (_call, _via, entry) => {
        it("control: without a fault the call succeeds", () => {
          const outcome = controls.get(entry)!
          if (entry.control) entry.control(outcome)
          else expect(outcome.error).toBeUndefined()
          expect(requestsOf(outcome, entry.call)).toHaveLength(1)
        })

        it.each(entry.faults.map((fault) => [fault.name, fault] as const))("%s", (_name, fault) => {
          const outcome = outcomes.get(entry)!.get(fault)!
          expectGatewayFault(outcome, {
            kind: fault.kind,
            gateway: input.gateway,
            call: input.callPattern(entry.call),
            secrets: input.secrets,
            gatewayErrorAllowed: entry.gatewayErrorAllowed,
          })
          expect(requestsOf(outcome, entry.call)).toHaveLength(attemptsFor(fault, entry.idempotent))
          entry.extra?.(outcome, fault)
        })
      })
    })
  }
}

/** A matrix row for the report: call, provider method, fault, attempts seen, what the user got. */
export type MatrixRow = { call: string; via: string; fault: string; attempts: number; result: string; ms: number }

export function describeResult(outcome: Outcome): string {
  if (outcome.resolved) return "RESOLVED"
  const error = outcome.error as { type?: string; code?: string; kind?: string }
  return error instanceof GatewayError ? `GatewayError ${error.kind}` : `${error.type}/${error.code ?? "-"}`
}

export function printMatrix(title: string, rows: MatrixRow[]) {
  if (!process.env.GATEWAY_FAULTS_MATRIX) return
  const lines = rows.map((r) => `| ${r.call} | ${r.via} | ${r.fault} | ${r.attempts} | ${r.result} | ${r.ms} |`)
  // eslint-disable-next-line no-console
  console.log([`## ${title}`, "| call | via | fault | attempts | result | ms |", "|---|---|---|---|---|---|", ...lines].join("\n"))
}
