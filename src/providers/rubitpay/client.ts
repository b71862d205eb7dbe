import { GatewayError } from "../../lib/errors"
import { createGatewayHttpClient, credentialsRefused, GatewayHttpClient, readGatewayAnswer } from "../../lib/http"
import {
  rubitPayAnswerSchema,
  rubitPayCheckAnswerSchema,
  rubitPayInvoiceAnswerSchema,
  RubitPayOptions,
  rubitPayTryAnswerSchema,
} from "./schemas"
import { signRubitPayRequest } from "./signature"

const GATEWAY = "RubitPay"
const RUBITPAY = { gateway: GATEWAY, credentialOptions: "shopId and secretKey" }

/** Error codes from RubitPay's doc: fatal ones stop the payment, the rest wait for the webhook. */
const RUBITPAY_ERRORS: Record<string, { fatal: boolean; kind: "rejected" | "misconfigured"; fix: string }> = {
  invalid_sign: {
    fatal: true,
    kind: "misconfigured",
    fix: "RubitPay rejected the request signature; check the provider's secretKey option",
  },
  invalid_shop: {
    fatal: true,
    kind: "misconfigured",
    fix: "RubitPay does not recognise the shop or it is inactive; check the provider's shopId option",
  },
  duplicate_order: {
    fatal: true,
    kind: "rejected",
    fix: "RubitPay already has an invoice for this payment session with another amount or currency; start a new payment session",
  },
  unsupported_payway: {
    fatal: true,
    kind: "rejected",
    fix: "this payment method is not available for the shop or currency; choose another one",
  },
  insufficient_funds: {
    fatal: true,
    kind: "rejected",
    fix: "the payer has insufficient funds; try another card or payment method",
  },
  processing_error: {
    fatal: false,
    kind: "rejected",
    fix: "RubitPay had a temporary processing issue; the outcome will arrive by notification",
  },
}

export type InvoiceRequest = {
  shop_order_id: string
  amount: string
  currency: string
  payway: string
  description?: string
  customer_email?: string
  success_url?: string
  fail_url?: string
  add_ons?: Record<string, string>
}

export type InvoiceResult =
  | { state: "created"; invoiceId?: string; redirectUrl?: string }
  /** `processing_error`: non-fatal, the outcome comes later. */
  | { state: "processing" }

export type CheckResult =
  | { found: true; status: string; invoiceId?: string; amount?: string; currency?: string }
  | { found: false }
  /** The status method is not offered to this shop. */
  | { available: false }

/** The `error_code` of a JSON object answer; undefined for any other body. */
function errorCodeOf(body: unknown): unknown {
  return typeof body === "object" && body !== null && "error_code" in body ? body.error_code : undefined
}

/** RubitPay's invoice methods: every request signed, every error code mapped. */
export class RubitPayClient {
  private readonly http: GatewayHttpClient

  constructor(private readonly options: RubitPayOptions) {
    this.http = createGatewayHttpClient({
      gateway: GATEWAY,
      baseUrl: options.apiUrl,
      timeoutMs: options.timeoutMs,
      secrets: [options.secretKey],
    })
  }

  private async call(method: string, params: Record<string, unknown>, idempotent: boolean, deadline?: number) {
    const body = signRubitPayRequest(
      Object.fromEntries(
        Object.entries({ shop_id: this.options.shopId, ...params }).filter(([, v]) => v !== undefined)
      ),
      this.options.secretKey
    )
    return this.http.request({ method: "POST", path: `/invoice/${method}`, body, idempotent, deadline })
  }

  private fail(method: string, status: number, errorCode?: string, message?: string): never {
    const known = errorCode ? RUBITPAY_ERRORS[errorCode] : undefined
    throw new GatewayError({
      gateway: GATEWAY,
      kind: known?.kind ?? (credentialsRefused(status) ? "misconfigured" : "rejected"),
      code: errorCode,
      httpStatus: status,
      message: known
        ? `RubitPay ${method}: ${known.fix} (${errorCode}).`
        : `RubitPay ${method} failed: ${message ?? errorCode ?? `HTTP ${status}`}.`,
    })
  }

  /** `invoice/try`: which extra fields (`add_ons_config`) the payway needs. */
  async tryInvoice(request: Pick<InvoiceRequest, "shop_order_id" | "amount" | "currency" | "payway">, deadline?: number) {
    const response = await this.call("try", request, true, deadline)
    if (response.status === 404) {
      return { addOnsConfig: {} }
    }
    const answer = readGatewayAnswer(RUBITPAY, "invoice/try", response, rubitPayTryAnswerSchema)
    if (!answer.result) this.fail("invoice/try", response.status, answer.error_code, answer.message)
    return { addOnsConfig: answer.add_ons_config ?? {} }
  }

  /**
   * `invoice/create` (single-step) or `invoice/hold` (two-step). Safe to
   * retry: RubitPay answers a repeated shop_order_id with the same invoice.
   */
  async openInvoice(twoStep: boolean, request: InvoiceRequest, deadline?: number): Promise<InvoiceResult> {
    const method = twoStep ? "hold" : "create"
    const response = await this.call(method, request, true, deadline)
    const answer = readGatewayAnswer(RUBITPAY, `invoice/${method}`, response, rubitPayInvoiceAnswerSchema)
    if (answer.result) {
      if (!answer.redirect_url) {
        // the doc's success carries the payment page: without it the customer has nowhere to pay
        throw new GatewayError({
          gateway: GATEWAY,
          kind: "unavailable",
          httpStatus: response.status,
          message: `RubitPay answered invoice/${method} without a redirect_url (HTTP ${response.status}): there is no payment page to send the customer to.`,
        })
      }
      return { state: "created", invoiceId: answer.invoice_id, redirectUrl: answer.redirect_url }
    }
    if (answer.error_code === "processing_error") {
      return { state: "processing" }
    }
    this.fail(`invoice/${method}`, response.status, answer.error_code, answer.message)
  }

  /** `invoice/check` by shop_order_id: the invoice's status, the truth about a payment. */
  async check(shopOrderId: string): Promise<CheckResult> {
    const response = await this.call("check", { shop_order_id: shopOrderId }, true)
    if (response.status === 404 && !errorCodeOf(response.body)) {
      return { available: false }
    }
    const answer = readGatewayAnswer(RUBITPAY, "invoice/check", response, rubitPayCheckAnswerSchema)
    if (!answer.result) {
      if (answer.error_code === "unknown_method") return { available: false }
      if (answer.error_code === "order_not_found") return { found: false }
      this.fail("invoice/check", response.status, answer.error_code, answer.message)
    }
    if (answer.status === undefined || answer.status === "") {
      // a status call that names no status says nothing: never read as a (pending, cancelable) invoice
      throw new GatewayError({
        gateway: GATEWAY,
        kind: "unavailable",
        httpStatus: response.status,
        message: `RubitPay answered invoice/check without a status (HTTP ${response.status}).`,
      })
    }
    return {
      found: true,
      status: String(answer.status ?? ""),
      invoiceId: answer.invoice_id,
      amount: answer.amount,
      currency: answer.currency,
    }
  }

  /** `invoice/charge` or `invoice/unhold`; `false` with the gateway's code when refused. */
  async settleHold(action: "charge" | "unhold", shopOrderId: string) {
    const response = await this.call(action, { shop_order_id: shopOrderId }, true)
    const answer = readGatewayAnswer(RUBITPAY, `invoice/${action}`, response, rubitPayAnswerSchema)
    const misconfigured =
      credentialsRefused(response.status) || (answer.error_code && RUBITPAY_ERRORS[answer.error_code]?.kind === "misconfigured")
    // refused credentials say nothing about the invoice: the merchant must hear it, not the invoice's status
    if (!answer.result && misconfigured) this.fail(`invoice/${action}`, response.status, answer.error_code, answer.message)
    return answer.result
      ? { done: true as const }
      : { done: false as const, errorCode: answer.error_code, message: answer.message }
  }

  /** `invoice/create-refund`, idempotent by `shop_refund_id`. */
  async refund(request: { shop_order_id: string; invoice_id?: string; amount: string; shop_refund_id: string }) {
    const response = await this.call("create-refund", request, true)
    if (response.status === 404) {
      throw new GatewayError({
        gateway: GATEWAY,
        kind: "unsupported",
        httpStatus: 404,
        message: "RubitPay does not offer refunds through the API for this shop; refund in the RubitPay dashboard. Nothing was refunded.",
      })
    }
    const answer = readGatewayAnswer(RUBITPAY, "invoice/create-refund", response, rubitPayAnswerSchema)
    if (!answer.result) {
      if (answer.error_code === "refund_not_available" || answer.error_code === "unknown_method") {
        throw new GatewayError({
          gateway: GATEWAY,
          kind: "unsupported",
          code: answer.error_code,
          message: `RubitPay refused the refund: refunds are not available for this payment (${answer.error_code}). Nothing was refunded.`,
        })
      }
      this.fail("invoice/create-refund", response.status, answer.error_code, answer.message)
    }
    return answer
  }
}
