import { GatewayError } from "../../lib/errors"
import { createGatewayHttpClient, credentialsRefused, GatewayHttpClient, readGatewayAnswer, redact } from "../../lib/http"
import {
  RombCreateOrderRequest,
  rombCancelResponseSchema,
  rombCreateOrderResponseSchema,
  RombOptions,
} from "./schemas"

const GATEWAY = "Romb"
const ROMB = { gateway: GATEWAY, credentialOptions: "uid, publicKey and privateKey" }

export type RombCancelResult =
  | { canceled: true }
  /** Romb's "Order not found or already processed": it cannot tell which. */
  | { canceled: false; message: string }

/** Romb's two API calls, with its error answers turned into GatewayErrors. */
export class RombClient {
  private readonly http: GatewayHttpClient
  /** Romb's own words go into messages: never with a credential it echoed. */
  private readonly secrets: string[]

  constructor(options: RombOptions) {
    this.secrets = [options.uid, options.publicKey, options.privateKey, options.webhookSecret ?? ""]
    this.http = createGatewayHttpClient({
      gateway: GATEWAY,
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      headers: {
        "X-Uid": options.uid,
        "X-Public-Key": options.publicKey,
        "X-Private-Key": options.privateKey,
      },
      secrets: [options.uid, options.publicKey, options.privateKey],
    })
  }

  /** Not retried: Romb documents no idempotency for a repeated orderNumber. */
  async createOrder(request: RombCreateOrderRequest): Promise<{ orderId: string; formUrl: string }> {
    const response = await this.http.request({
      method: "POST",
      path: "/api/pay/order/create",
      body: request,
      idempotent: false,
    })
    const answer = readGatewayAnswer(ROMB, "order/create", response, rombCreateOrderResponseSchema)
    if (answer.status === "error") {
      const code = answer.error?.code
      const message = redact(answer.error?.message ?? answer.message ?? "no reason given", this.secrets)
      const misconfigured = code === "unauthorized" || credentialsRefused(response.status)
      throw new GatewayError({
        gateway: GATEWAY,
        kind: misconfigured ? "misconfigured" : "rejected",
        code,
        httpStatus: response.status,
        message: misconfigured
          ? `Romb refused the API credentials: ${message}. Check the provider's uid, publicKey and privateKey options (order/create, HTTP ${response.status}).`
          : `Romb could not create the payment: ${message}${code ? ` (${code})` : ""}.`,
      })
    }
    return answer.data
  }

  /** Safe to repeat: cancelling twice only gets "already processed". */
  async cancelOrder(orderNumber: string): Promise<RombCancelResult> {
    const response = await this.http.request({
      method: "POST",
      path: `/pay/order/cancel/${encodeURIComponent(orderNumber)}`,
      idempotent: true,
    })
    const call = `order/cancel/${orderNumber}`
    const answer = readGatewayAnswer(ROMB, call, response, rombCancelResponseSchema)
    if (answer.status === "success") return { canceled: true }
    const message = redact(answer.message ?? "Order not found or already processed", this.secrets)
    if (credentialsRefused(response.status)) {
      // not "already processed": Romb did not look at the order at all
      throw new GatewayError({
        gateway: GATEWAY,
        kind: "misconfigured",
        httpStatus: response.status,
        message: `Romb refused the API credentials: ${message}. Check the provider's uid, publicKey and privateKey options (${call}, HTTP ${response.status}).`,
      })
    }
    return { canceled: false, message }
  }
}
