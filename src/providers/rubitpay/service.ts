import { MathBN, MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import type {
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  RefundPaymentInput,
  RefundPaymentOutput,
} from "@medusajs/framework/types"
import { asMedusaError } from "../../lib/errors"
import { CHECKOUT_DEADLINE_MS } from "../../lib/http"
import { amountsMatch, toGatewayAmount } from "../../lib/money"
import { parseProviderOptions } from "../base/provider-options"
import { plainFields } from "../../lib/notification-fields"
import {
  GatewayWebhookPayload,
  GatewayEvent,
  headerValue,
  RedirectPaymentProvider,
  SessionToReconcile,
} from "../base/redirect-provider"
import { exactMediaType, JSON_MEDIA_TYPE, parseStrictJsonObject } from "../../lib/webhook-body"
import { GatewayAction, parseStorefrontInput, readConfirmation, SESSION_KEYS } from "../base/session-data"
import { fillTemplate } from "../../lib/templates"
import { returnUrlValues } from "../../lib/options"
import { CheckResult, RubitPayClient } from "./client"
import {
  RUBITPAY_CURRENCIES,
  RubitPayOptions,
  rubitPayOptionsSchema,
  rubitPaySessionInputSchema,
  rubitPayWebhookSchema,
} from "./schemas"
import { verifyRubitPaySignature } from "./signature"
import { eventKey, gatewayAction, INITIAL_STATUS, RUBITPAY_HOLD_DAYS } from "./status"

const GATEWAY = "RubitPay"

function parseRubitPayOptions(options: unknown): RubitPayOptions {
  return parseProviderOptions({ gateway: GATEWAY, identifier: RubitPayProviderService.identifier }, rubitPayOptionsSchema, options)
}

/**
 * RubitPay: hosted invoice page, single-step (`invoice/create`) or two-step
 * (`invoice/hold`, then `invoice/charge` / `invoice/unhold`), a status call
 * (`invoice/check`) that is the truth about a payment, and refunds.
 */
export class RubitPayProviderService extends RedirectPaymentProvider<RubitPayOptions> {
  static identifier = "rubitpay"

  protected readonly gatewayName = GATEWAY
  readonly gatewayKey = "rubitpay" as const
  private readonly client: RubitPayClient

  static validateOptions(options: Record<string, unknown>): void {
    parseRubitPayOptions(options)
  }

  constructor(cradle: Record<string, unknown>, options: Record<string, unknown>) {
    super(cradle, parseRubitPayOptions(options))
    this.client = new RubitPayClient(this.options_)
  }

  protected defaultDisplayName(): string {
    return this.options_.capture ? GATEWAY : `${GATEWAY} (two-step)`
  }

  get hasStatusCall(): boolean {
    return this.options_.statusCall
  }

  get hasRefundCall(): boolean {
    return true
  }

  protected confirmationKey(): string {
    return this.options_.secretKey
  }

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const storefront = parseStorefrontInput(GATEWAY, rubitPaySessionInputSchema, input.data)
    const sessionId = this.newSessionId(input)
    const currency = input.currency_code.toUpperCase()
    if (!(RUBITPAY_CURRENCIES as readonly string[]).includes(currency)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `RubitPay accepts ${RUBITPAY_CURRENCIES.join(", ")}; this cart is in ${currency}.`
      )
    }
    const payway = storefront.payway ?? this.options_.payway
    if (!this.options_.payways.includes(payway)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `RubitPay: payway "${payway}" is not offered; choose one of ${this.options_.payways.join(", ")}.`
      )
    }
    const returnUrl = this.allowedReturnUrl(storefront.return_url, this.options_.allowedReturnHosts)
    const urlValues = returnUrlValues(sessionId, storefront)
    const amount = toGatewayAmount(input.amount, input.currency_code)
    const twoStep = !this.options_.capture

    // the customer waits for the payment page: try and create share one deadline
    const deadline = Date.now() + CHECKOUT_DEADLINE_MS
    try {
      const { addOnsConfig } = await this.client.tryInvoice({ shop_order_id: sessionId, amount, currency, payway }, deadline)
      const required = Object.entries(addOnsConfig)
        .filter(([, config]) => (config as { required?: boolean } | null)?.required !== false)
        .map(([key]) => key)
      const missing = required.filter((key) => !storefront.add_ons?.[key])
      if (missing.length) {
        throw new MedusaError(
          MedusaError.Types.INVALID_DATA,
          `RubitPay needs these fields for payway "${payway}": ${missing.join(", ")}. Send them in the payment session data as add_ons.`
        )
      }
      const invoice = await this.client.openInvoice(twoStep, {
        shop_order_id: sessionId,
        amount,
        currency,
        payway,
        description:
          storefront.description ??
          fillTemplate(this.options_.description, { session_id: sessionId, amount, currency }),
        customer_email: storefront.email ?? input.context?.customer?.email ?? undefined,
        success_url: returnUrl ?? fillTemplate(this.options_.successUrl, urlValues, { url: true }),
        fail_url: returnUrl ?? fillTemplate(this.options_.failUrl, urlValues, { url: true }),
        add_ons: required.length ? Object.fromEntries(required.map((k) => [k, storefront.add_ons![k]])) : undefined,
      }, deadline)
      return {
        id: invoice.state === "created" ? invoice.invoiceId ?? sessionId : sessionId,
        status: PaymentSessionStatus.PENDING,
        data: {
          [SESSION_KEYS.sessionId]: sessionId,
          [SESSION_KEYS.redirectUrl]: invoice.state === "created" ? invoice.redirectUrl ?? null : null,
          [SESSION_KEYS.gateway]: this.gatewayKey,
          [SESSION_KEYS.gatewayReference]: invoice.state === "created" ? invoice.invoiceId ?? null : null,
          [SESSION_KEYS.gatewayStatus]: invoice.state === "created" ? INITIAL_STATUS : "processing_error",
          [SESSION_KEYS.gatewayAmount]: amount,
          [SESSION_KEYS.currencyCode]: input.currency_code.toLowerCase(),
          [SESSION_KEYS.confirmation]: undefined,
          [SESSION_KEYS.flow]: twoStep ? "two_step" : "single_step",
          payway,
        },
      }
    } catch (error) {
      throw asMedusaError(error)
    }
  }

  /** The invoice's status at RubitPay; when the shop has no status call, the recorded webhook. */
  private async invoiceStatus(data: Record<string, unknown>): Promise<{ outcome: GatewayAction; status: string; check?: CheckResult }> {
    const sessionId = this.sessionIdOf(data)
    let check: CheckResult | undefined
    if (sessionId && this.options_.statusCall) {
      try {
        check = await this.client.check(sessionId)
      } catch (error) {
        // invoice/check is not in RubitPay's doc: whatever it answers, a verified webhook on record decides
        if (!this.confirmationOf(data)) throw asMedusaError(error)
        this.logger_?.warn(`RubitPay invoice/check failed for ${sessionId}, the verified webhook decides: ${(error as Error).message}`)
      }
    }
    if (check && "found" in check && check.found) {
      const currency = data[SESSION_KEYS.currencyCode] as string | undefined
      const expected = data[SESSION_KEYS.gatewayAmount] as string | undefined
      if (
        check.amount &&
        currency &&
        expected &&
        (!amountsMatch(expected, check.amount, currency) ||
          (check.currency && check.currency.toLowerCase() !== currency))
      ) {
        throw new MedusaError(
          MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
          `RubitPay reports ${check.amount} ${check.currency ?? ""} for this invoice, not ${expected} ${currency.toUpperCase()}; the payment needs the operator's attention.`
        )
      }
      return { outcome: gatewayAction(check.status), status: check.status, check }
    }
    if (check && "found" in check) {
      return { outcome: "pending", status: "not_found", check }
    }
    const confirmation = this.confirmationOf(data)
    return { outcome: confirmation?.action ?? "pending", status: confirmation?.gateway_status ?? "unknown" }
  }

  protected async gatewayOutcome(data: Record<string, unknown>) {
    const { outcome, status } = await this.invoiceStatus(data)
    return { action: outcome, gateway_status: status }
  }

  /** RubitPay's shop_order_id for the payment: the plugin's session id. */
  private shopOrderId(data: Record<string, unknown>): string {
    const sessionId = this.sessionIdOf(data)
    if (!sessionId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "RubitPay: the payment has no shop_order_id.")
    }
    return sessionId
  }

  /** Two-step: `invoice/charge`. Already charged counts as done; single-step payments are captured already. */
  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = input.data ?? {}
    const shopOrderId = this.shopOrderId(data)
    if (data[SESSION_KEYS.flow] === "two_step") {
      const result = await this.gatewayCall(this.client.settleHold("charge", shopOrderId))
      if (result.done) return { data: { ...data, [SESSION_KEYS.gatewayStatus]: "success" } }
    }
    const { outcome, status } = await this.invoiceStatus(data)
    if (outcome === "captured") {
      return { data: { ...data, [SESSION_KEYS.gatewayStatus]: status } }
    }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `RubitPay did not charge invoice ${shopOrderId}: its status is "${status}".`
    )
  }

  /** Two-step: `invoice/unhold` releases the customer's money; a charged invoice needs a refund instead. */
  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = input.data ?? {}
    // RubitPay acts by shop_order_id: the documented create answer has no invoice id to wait for
    if (!this.sessionIdOf(data) || this.endedAtGateway(data)) {
      return { data }
    }
    const shopOrderId = this.shopOrderId(data)
    if (data[SESSION_KEYS.flow] === "two_step") {
      const result = await this.gatewayCall(this.client.settleHold("unhold", shopOrderId))
      if (result.done) return { data: { ...data, [SESSION_KEYS.gatewayStatus]: "fail" } }
    }
    const { outcome, status } = await this.invoiceStatus(data)
    if (outcome === "captured" || outcome === "refunded") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `RubitPay invoice ${shopOrderId} is already charged ("${status}"); refund it instead of canceling.`
      )
    }
    if (outcome === "authorized") {
      throw new MedusaError(
        MedusaError.Types.UNEXPECTED_STATE,
        `RubitPay did not release the hold on invoice ${shopOrderId}; try again.`
      )
    }
    // Nothing was charged or is held: the unpaid invoice simply lapses.
    return { data: { ...data, [SESSION_KEYS.gatewayStatus]: status } }
  }

  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    return this.cancelPayment(input)
  }

  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const recorded = this.refundMadeAtGateway(input)
    if (recorded) return recorded
    const data = input.data ?? {}
    const currency = data[SESSION_KEYS.currencyCode] as string
    const refundId = input.context?.idempotency_key
    if (!refundId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "RubitPay: a refund needs Medusa's refund id.")
    }
    const amount = toGatewayAmount(input.amount, currency)
    const refunds = (data.refunds as Array<Record<string, string>> | undefined) ?? []
    const external = readConfirmation(this.sessionIdOf(data), data, this.confirmationKey(), SESSION_KEYS.externalRefund)
    if (external) {
      // Made at RubitPay and reported by its verified notification: record it, do not refund twice.
      const alreadyRecorded = refunds.reduce((sum, r) => MathBN.add(sum, r.amount), MathBN.convert(0))
      if (external.action !== "refunded" || !MathBN.eq(MathBN.add(alreadyRecorded, amount), external.amount)) {
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `RubitPay reported ${external.amount} refunded in total, which does not match this refund of ${amount}; nothing was recorded.`
        )
      }
      // consumed: Medusa merges payment data on update, so the key is set to null, not left out
      return {
        data: {
          ...data,
          [SESSION_KEYS.externalRefund]: null,
          refunds: [...refunds, { shop_refund_id: refundId, amount, reported_by: external.event_key }],
        },
      }
    }
    await this.gatewayCall(
      this.client.refund({
        shop_order_id: this.shopOrderId(data),
        invoice_id: (data[SESSION_KEYS.gatewayReference] as string | undefined) ?? undefined,
        amount,
        shop_refund_id: refundId,
      })
    )
    return { data: { ...data, refunds: [...refunds, { shop_refund_id: refundId, amount }] } }
  }

  protected verifyNotification(payload: GatewayWebhookPayload): GatewayEvent {
    exactMediaType(GATEWAY, headerValue(payload.headers, "content-type"), [JSON_MEDIA_TYPE])
    const fields = parseStrictJsonObject(GATEWAY, this.rawBodyOf(payload), "python")
    if (!verifyRubitPaySignature(Object.fromEntries(fields), this.options_.secretKey)) {
      throw new MedusaError(MedusaError.Types.UNAUTHORIZED, "RubitPay webhook: the signature is missing or invalid.")
    }
    const event = this.parseNotification(rubitPayWebhookSchema, plainFields(fields))
    if (event.shop_id !== this.options_.shopId) {
      throw new MedusaError(MedusaError.Types.UNAUTHORIZED, `RubitPay webhook: shop ${event.shop_id} is not this provider's shop.`)
    }
    const outcome = gatewayAction(event.status)
    const { sign: _sign, ...notification } = event
    return this.gatewayEvent({
      action: outcome,
      session_id: event.shop_order_id,
      amount: event.amount,
      currency_code: event.currency.toLowerCase(),
      // a refund notification carries the total refunded so far: each new total is a new event
      event_key: `${eventKey(event.invoice_id, event.status)}${outcome === "refunded" ? `:${event.amount}` : ""}`,
      gateway_status: event.status,
      gateway_reference: event.invoice_id,
      notification,
    })
  }

  /** Two-step: the hold lasts RUBITPAY_HOLD_DAYS from the hold (or, unknown, from the session's creation). */
  holdExpiresAt(session: SessionToReconcile): Date | undefined {
    if (session.data[SESSION_KEYS.flow] !== "two_step") return undefined
    const confirmation = this.confirmationOf(session.data)
    const heldAt = confirmation?.action === "authorized" ? confirmation.confirmed_at : session.created_at
    return new Date(new Date(heldAt).getTime() + RUBITPAY_HOLD_DAYS * 24 * 3600_000)
  }

  /**
   * A webhook may be lost and the customer may never come back: `invoice/check`
   * tells what it said. Refunds are left to their notifications, which carry
   * the refunded total.
   */
  async reconcileSession(session: SessionToReconcile): Promise<GatewayEvent | undefined> {
    const data = session.data
    if (!this.options_.statusCall) return undefined
    const check = await this.client.check(session.id)
    if (!("found" in check) || !check.found || check.status === data[SESSION_KEYS.gatewayStatus]) return undefined
    const outcome = gatewayAction(check.status)
    if (outcome === "pending" || outcome === "refunded") return undefined
    const invoiceId = check.invoiceId ?? (data[SESSION_KEYS.gatewayReference] as string | undefined) ?? session.id
    return this.gatewayEvent({
      action: outcome,
      session_id: session.id,
      amount: check.amount ?? (data[SESSION_KEYS.gatewayAmount] as string),
      currency_code: check.currency?.toLowerCase(),
      event_key: eventKey(invoiceId, check.status),
      gateway_status: check.status,
      gateway_reference: invoiceId,
    })
  }
}
