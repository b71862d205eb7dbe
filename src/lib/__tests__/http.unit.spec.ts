import http from "node:http"
import { AddressInfo } from "node:net"
import { GatewayError } from "../errors"
import { createGatewayHttpClient, redact } from "../http"

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

describe("createGatewayHttpClient", () => {
  let server: http.Server
  let handler: Handler
  let hits: number
  let baseUrl: string

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++
      handler(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))
  beforeEach(() => {
    hits = 0
  })

  const client = (timeoutMs = 500) =>
    createGatewayHttpClient({
      gateway: "Testpay",
      baseUrl,
      timeoutMs,
      headers: { "X-Key": "secret-api-key" },
      secrets: ["secret-api-key"],
      retryBaseDelayMs: 5,
    })

  const json = (status: number, body: unknown): Handler => (_req, res) => {
    res.writeHead(status, { "Content-Type": "application/json" })
    res.end(JSON.stringify(body))
  }

  it("returns 4xx answers for the gateway's own error mapping, without retrying", async () => {
    handler = json(422, { status: "error" })
    const response = await client().request({ method: "POST", path: "/x", body: {}, idempotent: true })
    expect(response).toEqual({ status: 422, body: { status: "error" } })
    expect(hits).toBe(1)
  })

  it("retries idempotent calls on 5xx, then reports the gateway unavailable", async () => {
    handler = json(503, {})
    const error = await client()
      .request({ method: "POST", path: "/cancel/1", idempotent: true })
      .catch((e) => e)
    expect(error).toBeInstanceOf(GatewayError)
    expect(error.kind).toBe("unavailable")
    expect(error.message).toBe("Testpay POST /cancel/1 failed: the gateway answered HTTP 503.")
    expect(hits).toBe(3)
  })

  it("never retries a call that is not safe to repeat", async () => {
    handler = json(500, {})
    await expect(
      client().request({ method: "POST", path: "/create", idempotent: false })
    ).rejects.toThrow(GatewayError)
    expect(hits).toBe(1)
  })

  it("succeeds when a retry gets through", async () => {
    handler = (req, res) => (hits < 2 ? json(502, {})(req, res) : json(200, { ok: true })(req, res))
    const response = await client().request({ method: "GET", path: "/status", idempotent: true })
    expect(response.body).toEqual({ ok: true })
    expect(hits).toBe(2)
  })

  it("reports a timeout with the limit, and no secret", async () => {
    handler = () => undefined
    const error = await client(150)
      .request({ method: "POST", path: "/create", body: { a: 1 }, idempotent: false })
      .catch((e) => e)
    expect(error).toBeInstanceOf(GatewayError)
    expect(error.code).toBe("timeout")
    expect(error.message).toBe("Testpay POST /create did not answer within 150 ms.")
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain("secret-api-key")
  })

  it("keeps an idempotent call with its retries within the caller's deadline", async () => {
    handler = () => undefined
    const started = Date.now()
    const error = await client(800)
      .request({ method: "POST", path: "/create", idempotent: true, deadline: started + 1500 })
      .catch((e) => e)
    const elapsed = Date.now() - started
    expect(error.code).toBe("timeout")
    // 800 ms, then one retry in what is left (>= 500 ms) instead of two more full attempts (2,400 ms)
    expect(hits).toBe(2)
    expect(elapsed).toBeLessThan(1800)
  })

  it("reports an unreachable gateway", async () => {
    const unreachable = createGatewayHttpClient({
      gateway: "Testpay",
      baseUrl: "http://127.0.0.1:1",
      timeoutMs: 500,
      secrets: [],
      retries: 0,
    })
    await expect(
      unreachable.request({ method: "GET", path: "/", idempotent: true })
    ).rejects.toThrow(/Testpay GET \/ could not be reached \(ECONNREFUSED\)/)
  })

  it("sends the auth headers and form bodies", async () => {
    let seen: { headers?: http.IncomingHttpHeaders; body?: string } = {}
    handler = (req, res) => {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        seen = { headers: req.headers, body }
        json(200, {})(req, res)
      })
    }
    await client().request({ method: "POST", path: "/f", body: { "a[0][key]": "x y" }, form: true, idempotent: false })
    expect(seen.headers?.["x-key"]).toBe("secret-api-key")
    expect(seen.headers?.["content-type"]).toBe("application/x-www-form-urlencoded")
    expect(seen.body).toBe("a%5B0%5D%5Bkey%5D=x+y")
  })
})

describe("redact", () => {
  it("removes every occurrence of every secret", () => {
    expect(redact("key=abcd1234&again=abcd1234", ["abcd1234", ""])).toBe(
      "key=[redacted]&again=[redacted]"
    )
  })
})
