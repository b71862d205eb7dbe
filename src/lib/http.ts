import axios, { AxiosError, AxiosInstance } from "axios"
import type { z } from "zod"
import { GatewayError } from "./errors"

export type GatewayHttpOptions = {
  /** Human name used in messages, e.g. "Romb". */
  gateway: string
  baseUrl: string
  timeoutMs: number
  /** Sent with every request (auth headers). Never logged or put in errors. */
  headers?: Record<string, string>
  /** Values that must never appear in an error message (keys, tokens). */
  secrets: string[]
  /** Extra attempts for idempotent calls. */
  retries?: number
  retryBaseDelayMs?: number
}

export type GatewayRequest = {
  method: "GET" | "POST" | "PUT"
  path: string
  /** JSON body, or form fields when `form` is set. */
  body?: unknown
  form?: boolean
  params?: Record<string, string>
  /**
   * True only for calls that are safe to repeat (reads, cancels, calls the
   * gateway deduplicates by our reference). Only those are retried.
   */
  idempotent: boolean
  /**
   * Epoch ms by which the whole call, retries included, must be over: a
   * customer waiting for a payment page is not kept past it.
   */
  deadline?: number
}

export type GatewayResponse = { status: number; body: unknown }

export type GatewayHttpClient = {
  request(request: GatewayRequest): Promise<GatewayResponse>
}

/** How long a customer waits, at most, for a gateway to open a payment (retries included). */
export const CHECKOUT_DEADLINE_MS = 20_000

const RETRYABLE_STATUS = new Set([429, 502, 503, 504])
const MIN_ATTEMPT_MS = 500

/**
 * How every client reads a gateway's answer: into one of its documented
 * shapes (the zod schema), or a GatewayError — `misconfigured` when the
 * gateway refused our credentials (HTTP 401/403), otherwise `unavailable`,
 * since an answer in no documented shape leaves the outcome unknown.
 * Refusals in a documented shape are the client's to word.
 */
/** The gateway refused who we are (401/403), not what we asked: a setup error, never "try again". */
export function credentialsRefused(httpStatus: number): boolean {
  return httpStatus === 401 || httpStatus === 403
}

export function readGatewayAnswer<S extends z.ZodType>(
  client: { gateway: string; credentialOptions: string },
  call: string,
  response: GatewayResponse,
  schema: S
): z.infer<S> {
  const parsed = schema.safeParse(response.body)
  if (parsed.success) return parsed.data
  const credentials = credentialsRefused(response.status)
  throw new GatewayError({
    gateway: client.gateway,
    kind: credentials ? "misconfigured" : "unavailable",
    httpStatus: response.status,
    message: credentials
      ? `${client.gateway} refused the API credentials on ${call} (HTTP ${response.status}); check the provider's ${client.credentialOptions} options.`
      : `${client.gateway} answered ${call} with an unexpected response (HTTP ${response.status}).`,
  })
}

export function redact(text: string, secrets: string[]): string {
  return secrets
    .filter((secret) => secret && secret.length >= 4)
    .reduce((acc, secret) => acc.split(secret).join("[redacted]"), text)
}

/**
 * The HTTP client every provider uses: a timeout on every call, bounded
 * retries with exponential backoff and jitter for idempotent calls only,
 * any HTTP answer below 500 handed back for the gateway's own error mapping,
 * and errors that never carry a header or a secret.
 */
export function createGatewayHttpClient(options: GatewayHttpOptions): GatewayHttpClient {
  const retries = options.retries ?? 2
  const baseDelay = options.retryBaseDelayMs ?? 200
  const instance: AxiosInstance = axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, ""),
    timeout: options.timeoutMs,
    headers: { Accept: "application/json", ...options.headers },
    validateStatus: () => true,
    maxRedirects: 0,
    transitional: { clarifyTimeoutError: true },
  })

  const describe = (request: GatewayRequest) =>
    `${options.gateway} ${request.method} ${redact(request.path, options.secrets)}`

  async function attempt(request: GatewayRequest, timeoutMs: number): Promise<GatewayResponse> {
    try {
      const response = await instance.request({
        timeout: timeoutMs,
        method: request.method,
        url: request.path,
        params: request.params,
        data: request.form
          ? new URLSearchParams(request.body as Record<string, string>).toString()
          : request.body,
        headers: request.form
          ? { "Content-Type": "application/x-www-form-urlencoded" }
          : { "Content-Type": "application/json" },
      })
      if (response.status >= 500 || RETRYABLE_STATUS.has(response.status)) {
        throw new GatewayError({
          gateway: options.gateway,
          kind: "unavailable",
          httpStatus: response.status,
          message: `${describe(request)} failed: the gateway answered HTTP ${response.status}.`,
        })
      }
      return { status: response.status, body: response.data }
    } catch (error) {
      if (error instanceof GatewayError) {
        throw error
      }
      const axiosError = error as AxiosError
      const timedOut = axiosError.code === "ETIMEDOUT" || axiosError.code === "ECONNABORTED"
      throw new GatewayError({
        gateway: options.gateway,
        kind: "unavailable",
        code: timedOut ? "timeout" : axiosError.code,
        message: timedOut
          ? `${describe(request)} did not answer within ${timeoutMs} ms.`
          : `${describe(request)} could not be reached (${axiosError.code ?? "network error"}).`,
      })
    }
  }

  return {
    async request(request) {
      const attempts = request.idempotent ? retries + 1 : 1
      let lastError: unknown
      for (let i = 0; i < attempts; i++) {
        if (i > 0) {
          const delay = baseDelay * 2 ** (i - 1)
          await new Promise((r) => setTimeout(r, delay + Math.random() * delay))
        }
        const remaining = request.deadline === undefined ? Infinity : request.deadline - Date.now()
        // no retry too short to get an answer: the last error stands
        if (i > 0 && remaining < MIN_ATTEMPT_MS) break
        try {
          return await attempt(request, Math.min(options.timeoutMs, Math.max(MIN_ATTEMPT_MS, remaining)))
        } catch (error) {
          lastError = error
        }
      }
      throw lastError
    },
  }
}
