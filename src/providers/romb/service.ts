import { MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
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
import { asMedusaError, GatewayError } from "../../lib/errors"
import { currencyInfo, toGatewayAmount } from "../../lib/money"
import { parseProviderOptions } from "../base/provider-options"
import { plainFields } from "../../lib/notification-fields"
import { PhpFloat, phpToString } from "../../lib/php"
import { exactMediaType, FORM_MEDIA_TYPE, JSON_MEDIA_TYPE } from "../../lib/webhook-body"
import {
  GatewayWebhookPayload,
  GatewayEvent,
  headerValue,
  RedirectPaymentProvider,
} from "../base/redirect-provider"
import { parseStorefrontInput, SESSION_KEYS } from "../base/session-data"
import { fillTemplate } from "../../lib/templates"
import { RombClient } from "./client"
import { RombOptions, rombOptionsSchema, rombSessionInputSchema, rombWebhookSchema } from "./schemas"
import { readRombBody, verifyRombSignature } from "./signature"
import { eventKey, gatewayAction, INITIAL_STATUS } from "./status"

const GATEWAY = "Romb"

function parseRombOptions(options: unknown): RombOptions {
  return parseProviderOptions({ gateway: GATEWAY, identifier: RombProviderService.identifier }, rombOptionsSchema, options)
}

/**
 * Romb: hosted payment page, charged at once, no status or refund API. The
 * only truth about a payment is Romb's signed notification, which the plugin
 * records (sealed) on the payment session before Medusa authorizes it.
 */
export class RombProviderService extends RedirectPaymentProvider<RombOptions> {
  static identifier = "romb"

  protected readonly gatewayName = GATEWAY
  readonly gatewayKey = "romb" as const
  private readonly client: RombClient

  static validateOptions(options: Record<string, unknown>): void {
    parseRombOptions(options)
  }

  constructor(cradle: Record<string, unknown>, options: Record<string, unknown>) {
    super(cradle, parseRombOptions(options))
    this.client = new RombClient(this.options_)
  }

  private get webhookSecret(): string {
    return this.options_.webhookSecret ?? this.options_.privateKey
  }

  protected confirmationKey(): string {
    return this.webhookSecret
  }

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const storefront = parseStorefrontInput(GATEWAY, rombSessionInputSchema, input.data)
    const sessionId = this.newSessionId(input)
    const currency = currencyInfo(input.currency_code)
    const amount = toGatewayAmount(input.amount, input.currency_code)
    const description =
      storefront.description ??
      fillTemplate(this.options_.description, { session_id: sessionId, amount, currency: currency.alpha })

    let order: { orderId: string; formUrl: string }
    try {
      order = await this.client.createOrder({
        orderNumber: sessionId,
        amount: Number(amount),
        currency: currency.numeric,
        description,
        email: storefront.email ?? input.context?.customer?.email ?? undefined,
        phone: storefront.phone ?? input.context?.customer?.phone ?? undefined,
      })
    } catch (error) {
      if (error instanceof GatewayError && error.kind === "unavailable") {
        // Romb may have created the order before the answer was lost: cancel it
        // so that no payable order outlives the session Medusa is about to drop.
        await this.client.cancelOrder(sessionId).catch(() => undefined)
      }
      throw asMedusaError(error)
    }

    return {
      id: order.orderId,
      status: PaymentSessionStatus.PENDING,
      data: {
        [SESSION_KEYS.sessionId]: sessionId,
        [SESSION_KEYS.redirectUrl]: order.formUrl,
        [SESSION_KEYS.gateway]: this.gatewayKey,
        [SESSION_KEYS.gatewayReference]: order.orderId,
        [SESSION_KEYS.gatewayStatus]: INITIAL_STATUS,
        [SESSION_KEYS.gatewayAmount]: amount,
        [SESSION_KEYS.currencyCode]: input.currency_code.toLowerCase(),
        [SESSION_KEYS.confirmation]: undefined,
      },
    }
  }

  /** Romb has no status call: only a verified notification recorded on the session counts. */
  protected async gatewayOutcome(data: Record<string, unknown>) {
    const confirmation = this.confirmationOf(data)
    return confirmation ?? { action: "pending" as const, gateway_status: String(data[SESSION_KEYS.gatewayStatus] ?? INITIAL_STATUS) }
  }

  /** Romb charges at once: a paid order is already captured; capturing again changes nothing. */
  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    if (this.confirmationOf(input.data)?.action !== "captured") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "Romb has not reported this payment as paid, so there is nothing to capture. Romb charges the customer at once; wait for its notification."
      )
    }
    return { data: input.data }
  }

  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = input.data ?? {}
    const orderNumber = this.sessionIdOf(data)
    const confirmation = this.confirmationOf(data)
    // canceled already by this provider (before Medusa drops the session): Romb would answer "already processed"
    if (!orderNumber || !data[SESSION_KEYS.gatewayReference] || this.endedAtGateway(data) || data[SESSION_KEYS.gatewayStatus] === "CANCELED") {
      return { data }
    }
    if (confirmation?.action === "captured") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Romb order ${orderNumber} is already paid and cannot be canceled; refund the customer in the Romb dashboard.`
      )
    }
    const result = await this.gatewayCall(this.client.cancelOrder(orderNumber))
    if (!result.canceled) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Romb did not cancel order ${orderNumber}: ${result.message}. If the customer has paid, Romb's notification will record it; otherwise the order is already canceled.`
      )
    }
    return { data: { ...data, [SESSION_KEYS.gatewayStatus]: "CANCELED" } }
  }

  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    return this.cancelPayment(input)
  }

  /** Romb has no refund call: a refund made in Romb's dashboard is recorded from the admin. */
  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const recorded = this.refundMadeAtGateway(input)
    if (recorded) return recorded
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "Romb has no refund API: make the refund in the Romb dashboard (romb.mx), then record it on the order (Gateway payments: Record a refund made at the gateway). Nothing was refunded by Medusa."
    )
  }

  protected verifyNotification(payload: GatewayWebhookPayload): GatewayEvent {
    const contentType = headerValue(payload.headers, "content-type")
    // the media type first: a header no parser understood also leaves no raw body, and that is the reason to give
    exactMediaType(GATEWAY, contentType, [JSON_MEDIA_TYPE, FORM_MEDIA_TYPE])
    const fields = readRombBody(this.rawBodyOf(payload), contentType)
    if (!verifyRombSignature(fields, this.webhookSecret)) {
      throw new MedusaError(MedusaError.Types.UNAUTHORIZED, "Romb webhook: the signature is missing or invalid.")
    }
    const event = this.parseNotification(rombWebhookSchema, plainFields(fields))
    const signedAmount = fields.get("amount")
    // PHP signs a float with 14 significant digits: more digits than that are not covered by the signature
    if (signedAmount instanceof PhpFloat && phpToString(signedAmount) !== event.amount) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `Romb webhook: amount ${event.amount} has more digits than Romb's signature covers (${phpToString(signedAmount)}).`
      )
    }
    const { sign: _sign, ...notification } = event
    return this.gatewayEvent({
      action: gatewayAction(event.status),
      session_id: event.order_id,
      amount: event.amount,
      event_key: eventKey(event.id, event.status),
      gateway_status: event.status,
      gateway_reference: event.id,
      notification,
    })
  }
}
