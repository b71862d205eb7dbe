import { GatewayError } from "../../lib/errors"
import { createGatewayHttpClient, GatewayHttpClient } from "../../lib/http"
import {
  RombCreateOrderRequest,
  rombCancelResponseSchema,
  rombCreateOrderResponseSchema,
  RombOptions,
} from "./schemas"

const GATEWAY = "Romb"

export type RombCancelResult =
  | { canceled: true }
  /** Romb's "Order not found or already processed": it cannot tell which. */
  | { canceled: false; message: string }

/** Romb's two API calls, with its error answers turned into GatewayErrors. */
export class RombClient {
  private readonly http: GatewayHttpClient

  constructor(options: RombOptions) {
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
    const parsed = rombCreateOrderResponseSchema.safeParse(response.body)
    if (!parsed.success) {
      throw new GatewayError({
        gateway: GATEWAY,
        kind: response.status === 401 || response.status === 403 ? "misconfigured" : "unavailable",
        httpStatus: response.status,
        message:
          response.status === 401 || response.status === 403
            ? `Romb refused the API credentials (HTTP ${response.status}); check the provider's uid, publicKey and privateKey options.`
            : `Romb answered the payment creation with an unexpected response (HTTP ${response.status}).`,
      })
    }
    if (parsed.data.status === "error") {
      const code = parsed.data.error?.code
      const message = parsed.data.error?.message ?? parsed.data.message ?? "no reason given"
      const misconfigured = code === "unauthorized" || response.status === 401 || response.status === 403
      throw new GatewayError({
        gateway: GATEWAY,
        kind: misconfigured ? "misconfigured" : "rejected",
        code,
        httpStatus: response.status,
        message: misconfigured
          ? `Romb refused the API credentials: ${message}. Check the provider's uid, publicKey and privateKey options.`
          : `Romb could not create the payment: ${message}${code ? ` (${code})` : ""}.`,
      })
    }
    return parsed.data.data
  }

  /** Safe to repeat: cancelling twice only gets "already processed". */
  async cancelOrder(orderNumber: string): Promise<RombCancelResult> {
    const response = await this.http.request({
      method: "POST",
      path: `/pay/order/cancel/${encodeURIComponent(orderNumber)}`,
      idempotent: true,
    })
    const parsed = rombCancelResponseSchema.safeParse(response.body)
    if (!parsed.success) {
      throw new GatewayError({
        gateway: GATEWAY,
        kind: "unavailable",
        httpStatus: response.status,
        message: `Romb answered the cancellation of ${orderNumber} with an unexpected response (HTTP ${response.status}).`,
      })
    }
    return parsed.data.status === "success"
      ? { canceled: true }
      : { canceled: false, message: parsed.data.message ?? "Order not found or already processed" }
  }
}
