import { GatewayError } from "../../lib/errors"
import { z } from "zod"
import { createGatewayHttpClient, credentialsRefused, GatewayHttpClient, GatewayRequest, readGatewayAnswer, redact } from "../../lib/http"
import {
  EngineError,
  exchangerCreateAnswerSchema,
  exchangerGetAnswerSchema,
  ExchangerOptions,
  exchangerUpdateStatusAnswerSchema,
} from "./schemas"

const GATEWAY = "Exchanger"

type KeyValue = { key: string; value: string }

export type CreateOrderRequest = {
  routeId: string
  partner?: string
  amount: string
  fromValues: KeyValue[]
  toValues: KeyValue[]
  routeValues: KeyValue[]
  lang: string
  agreement: boolean
  hideOutData: boolean
  clientCallbackUrl?: string
  ipnUrl: string
  ipnSecret: string
}

/** `toValues[0][key]=…` as the engine's field names show (PHP/qs bracket arrays). */
export function toBracketForm(request: CreateOrderRequest): Record<string, string> {
  const form: Record<string, string> = {}
  for (const [name, value] of Object.entries(request)) {
    if (value === undefined) continue
    if (Array.isArray(value)) {
      value.forEach((item: KeyValue, i) => {
        form[`${name}[${i}][key]`] = item.key
        form[`${name}[${i}][value]`] = item.value
      })
    } else {
      form[name] = String(value)
    }
  }
  return form
}

function engineMessage(error: EngineError) {
  const field = error.object?.nameField ?? error.object?.fieldId
  return `${error.message ?? "the exchanger refused the order"}${field ? ` (field: ${field})` : ""}`
}

/** The BoxExchanger engine's public order methods. */
export class ExchangerClient {
  private readonly http: GatewayHttpClient

  constructor(private readonly options: ExchangerOptions) {
    this.http = createGatewayHttpClient({
      gateway: `Exchanger ${options.id}`,
      baseUrl: options.apiUrl,
      timeoutMs: options.timeoutMs,
      secrets: [options.ipnSecret],
    })
  }

  /** Not retried: the engine has no idempotency key, a repeat would be a second order. */
  async createOrder(request: CreateOrderRequest) {
    const answer = await this.call(
      { method: "POST", path: "/public/exchanger/order/create", body: toBracketForm(request), form: true, idempotent: false },
      exchangerCreateAnswerSchema,
      "order/create",
      "The exchanger could not create the order"
    )
    return answer.data
  }

  /** `order/get` by uid + secret: the order's current status. */
  async getOrder(uid: string, secret: string) {
    const answer = await this.call(
      { method: "GET", path: "/public/exchanger/order/get", params: { orderUID: uid, orderSecret: secret }, idempotent: true },
      exchangerGetAnswerSchema,
      "order/get",
      `The exchanger could not return order ${uid}`
    )
    return answer.data.order
  }

  /**
   * `order/update-status`: what the engine lets a client do to its own order,
   * only while it is `new` or `waitPayment` (e.g. `deleted` to cancel it).
   * Safe to repeat: setting the same status twice changes nothing.
   */
  async updateOrderStatus(uid: string, secret: string, status: string) {
    await this.call(
      { method: "PUT", path: "/public/exchanger/order/update-status", body: { orderUID: uid, orderSecret: secret, status }, idempotent: true },
      exchangerUpdateStatusAnswerSchema,
      "order/update-status",
      `The exchanger refused to set order ${uid} to "${status}"`
    )
  }

  /** Sends one request and reads the engine's `{ success, data | error }` envelope. */
  private async call<Answer extends { success: true }>(
    request: GatewayRequest,
    schema: z.ZodType<Answer | { success: false; error: EngineError }>,
    method: string,
    refusal: string
  ): Promise<Answer> {
    const response = await this.http.request(request)
    const answer = readGatewayAnswer(
      { gateway: `Exchanger ${this.options.id}`, credentialOptions: "apiUrl and partner" },
      method,
      response,
      schema
    )
    if (!answer.success) {
      const { error } = answer
      // the engine quotes values it refuses: never the IPN or order secret the request carried
      const sent = { ...request.params, ...(request.body as Record<string, unknown> | undefined) }
      const said = redact(
        engineMessage(error),
        [this.options.ipnSecret, sent.ipnSecret, sent.orderSecret].filter((v): v is string => typeof v === "string")
      )
      const credentials = credentialsRefused(response.status)
      throw new GatewayError({
        gateway: GATEWAY,
        kind: credentials ? "misconfigured" : "rejected",
        code: error.errorCode === undefined ? undefined : String(error.errorCode),
        httpStatus: response.status,
        message: credentials
          ? `Exchanger ${this.options.id} refused the request on ${method} (HTTP ${response.status}): ${said}; check the provider's apiUrl and partner options.`
          : `${refusal}: ${said}.`,
      })
    }
    return answer as Answer
  }
}
