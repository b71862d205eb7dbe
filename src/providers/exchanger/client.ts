import { GatewayError } from "../../lib/errors"
import { createGatewayHttpClient, GatewayHttpClient } from "../../lib/http"
import { exchangerCreateAnswerSchema, exchangerGetAnswerSchema, ExchangerOptions } from "./schemas"

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

function engineMessage(error: { message?: string; object?: { nameField?: string; fieldId?: string } | null }) {
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
    const response = await this.http.request({
      method: "POST",
      path: "/public/exchanger/order/create",
      body: toBracketForm(request),
      form: true,
      idempotent: false,
    })
    const answer = exchangerCreateAnswerSchema.safeParse(response.body)
    if (!answer.success) {
      throw new GatewayError({
        gateway: GATEWAY,
        kind: "unavailable",
        httpStatus: response.status,
        message: `Exchanger ${this.options.id} answered the order creation with an unexpected response (HTTP ${response.status}).`,
      })
    }
    if (!answer.data.success) {
      throw new GatewayError({
        gateway: GATEWAY,
        kind: "rejected",
        code: answer.data.error.errorCode === undefined ? undefined : String(answer.data.error.errorCode),
        httpStatus: response.status,
        message: `The exchanger could not create the order: ${engineMessage(answer.data.error)}.`,
      })
    }
    return answer.data.data
  }

  /** `order/get` by uid + secret: the order's current status. */
  async getOrder(uid: string, secret: string) {
    const response = await this.http.request({
      method: "GET",
      path: "/public/exchanger/order/get",
      params: { orderUID: uid, orderSecret: secret },
      idempotent: true,
    })
    const answer = exchangerGetAnswerSchema.safeParse(response.body)
    if (!answer.success) {
      throw new GatewayError({
        gateway: GATEWAY,
        kind: "unavailable",
        httpStatus: response.status,
        message: `Exchanger ${this.options.id} answered order/get with an unexpected response (HTTP ${response.status}).`,
      })
    }
    if (!answer.data.success) {
      throw new GatewayError({
        gateway: GATEWAY,
        kind: "rejected",
        httpStatus: response.status,
        message: `The exchanger could not return order ${uid}: ${engineMessage(answer.data.error)}.`,
      })
    }
    return answer.data.data.order
  }
}
