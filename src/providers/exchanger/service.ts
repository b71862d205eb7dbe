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
import { amountsMatch, toGatewayAmount } from "../../lib/money"
import { parseProviderOptions } from "../base/provider-options"
import { plainFields } from "../../lib/notification-fields"
import {
  UnsealedGatewayEvent,
  GatewayWebhookPayload,
  GatewayEvent,
  headerValue,
  RedirectPaymentProvider,
  SessionToReconcile,
} from "../base/redirect-provider"
import { exactMediaType, FORM_MEDIA_TYPE, parseStrictForm } from "../../lib/webhook-body"
import { parseStorefrontInput, SESSION_KEYS } from "../base/session-data"
import { maskedValues } from "../../lib/mask"
import { fillTemplate } from "../../lib/templates"
import { returnUrlValues } from "../../lib/options"
import { ExchangerClient } from "./client"
import { EXCHANGER_PRESETS } from "./presets"
import {
  ExchangerOptions,
  exchangerIpnQuerySchema,
  exchangerIpnSchema,
  exchangerOptionsSchema,
  exchangerSessionInputSchema,
} from "./schemas"
import { orderIpnSecret, verifyIpnChecksum } from "./signature"
import { eventKey, gatewayAction, INITIAL_STATUS, PAID_ONLY_AFTER, statusAttention, UNPAID_STATUSES } from "./status"

const GATEWAY = "Exchanger"

export function parseExchangerOptions(options: unknown): ExchangerOptions {
  return parseProviderOptions({ gateway: GATEWAY, identifier: ExchangerProviderService.identifier }, exchangerOptionsSchema, options)
}

/**
 * BoxExchanger currency exchangers (obmin.me, pocketbank.net, any site of the
 * engine): the customer pays the exchanger, the exchanger pays the merchant's
 * requisites. The IPN is sent once and may be lost, so it is only a hint:
 * `order/get` is the truth, asked at authorization and capture.
 */
export class ExchangerProviderService extends RedirectPaymentProvider<ExchangerOptions> {
  static identifier = "exchanger"

  protected readonly gatewayName = GATEWAY
  readonly gatewayKey = "exchanger" as const
  private readonly client: ExchangerClient

  static validateOptions(options: Record<string, unknown>): void {
    parseExchangerOptions(options)
  }

  constructor(cradle: Record<string, unknown>, options: Record<string, unknown>) {
    super(cradle, parseExchangerOptions(options))
    this.client = new ExchangerClient(this.options_)
  }

  /** The exchanger's site as customers know it, e.g. "obmin.me" (a preset's, even with its URLs overridden). */
  protected defaultDisplayName(): string {
    const site = this.options_.preset ? EXCHANGER_PRESETS[this.options_.preset].siteUrl : this.options_.siteUrl
    return new URL(site).host.replace(/^www\./, "")
  }

  protected confirmationKey(): string {
    return this.options_.ipnSecret
  }

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const storefront = parseStorefrontInput(GATEWAY, exchangerSessionInputSchema, input.data)
    const sessionId = this.newSessionId(input)
    const currency = input.currency_code.toLowerCase()
    const route = this.options_.routes[currency]
    if (!route) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `Exchanger ${this.options_.id} has no exchange route for ${currency.toUpperCase()}: add routes.${currency} to the provider options, or pay with another method.`
      )
    }
    const customerValues = Object.entries(storefront.from_values ?? {})
    const refused = customerValues.filter(([key]) => !route.customerFromKeys.includes(key)).map(([key]) => key)
    if (refused.length) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `Exchanger: from_values may only set ${route.customerFromKeys.join(", ") || "nothing"} for this route; refused: ${refused.join(", ")}.`
      )
    }
    const returnUrl = this.allowedReturnUrl(storefront.return_url, this.options_.allowedReturnHosts)
    const amount = toGatewayAmount(input.amount, currency)
    const order = await this.gatewayCall(
      this.client.createOrder({
        routeId: route.routeId,
        partner: this.options_.partner,
        amount,
        fromValues: [
          ...route.fromValues,
          ...customerValues.map(([key, value]) => ({ key, value })),
        ],
        toValues: route.toValues,
        routeValues: route.routeValues,
        lang: this.options_.lang,
        agreement: this.options_.agreement,
        hideOutData: this.options_.hideOutData,
        clientCallbackUrl:
          returnUrl ??
          fillTemplate(this.options_.clientCallbackUrl, returnUrlValues(sessionId, storefront), { url: true }),
        ipnUrl: `${this.options_.ipnUrl}?session_id=${encodeURIComponent(sessionId)}`,
        ipnSecret: orderIpnSecret(this.options_.ipnSecret, sessionId),
      })
    )
    return {
      id: order.uid,
      status: PaymentSessionStatus.PENDING,
      data: {
        [SESSION_KEYS.sessionId]: sessionId,
        [SESSION_KEYS.redirectUrl]: `${this.options_.siteUrl}/${this.options_.lang}/payment/${order.uid}/${order.secret}`,
        [SESSION_KEYS.gateway]: this.gatewayKey,
        [SESSION_KEYS.gatewayReference]: order.uid,
        [SESSION_KEYS.gatewayStatus]: INITIAL_STATUS,
        [SESSION_KEYS.gatewayAmount]: amount,
        [SESSION_KEYS.currencyCode]: currency,
        [SESSION_KEYS.confirmation]: undefined,
        [SESSION_KEYS.orderSecret]: order.secret,
        // session data is public and Medusa keeps the storefront's input in it: only a masked copy stays
        ...(storefront.from_values ? { from_values: maskedValues(storefront.from_values) } : {}),
      },
    }
  }

  /** `order/get` with the stored uid + secret; the amount must be the session's. */
  private async orderStatus(data: Record<string, unknown>) {
    const uid = data[SESSION_KEYS.gatewayReference] as string | undefined
    const secret = data[SESSION_KEYS.orderSecret] as string | undefined
    if (!uid || !secret) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "Exchanger: the payment has no exchanger order.")
    }
    const order = await this.gatewayCall(this.client.getOrder(uid, secret))
    const expected = data[SESSION_KEYS.gatewayAmount] as string
    const currency = data[SESSION_KEYS.currencyCode] as string
    if (order.inAmount && !amountsMatch(expected, order.inAmount, currency)) {
      throw new MedusaError(
        MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR,
        `The exchanger reports ${order.inAmount} for order ${uid}, not ${expected} ${currency.toUpperCase()}; the payment needs the operator's attention.`
      )
    }
    return { status: order.status, action: gatewayAction(order.status) }
  }

  paidOnlyAfter(gatewayStatus: string): readonly string[] {
    return PAID_ONLY_AFTER.get(gatewayStatus) ?? []
  }

  /**
   * The exchanger's `order/get` is the truth; its IPN is only a hint. A status
   * a client can set itself (`errorPayout`) is money only when the plugin has
   * recorded the exchanger accepting the payment for this session already.
   */
  protected async gatewayOutcome(data: Record<string, unknown>) {
    const order = await this.orderStatus(data)
    const accepted = ["authorized", "captured"].includes(this.confirmationOf(data)?.action ?? "")
    if (this.paidOnlyAfter(order.status).length && !accepted) {
      return { action: "pending" as const, gateway_status: order.status }
    }
    return { action: order.action, gateway_status: order.status }
  }

  /** The exchange completes at the exchanger (`done`); capturing earlier is refused with the reason. */
  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = input.data ?? {}
    const order = await this.orderStatus(data)
    if (order.action !== "captured") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `The exchanger has not completed order ${data[SESSION_KEYS.gatewayReference]} yet (status "${order.status}"); the payment is captured when it reports "done".`
      )
    }
    return { data: { ...data, [SESSION_KEYS.gatewayStatus]: order.status } }
  }

  /**
   * The engine lets a client delete its own order while it is unpaid (`new`,
   * `waitPayment`); once the exchanger holds the money only the exchanger can
   * return it, and the error says so.
   */
  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = input.data ?? {}
    if (!data[SESSION_KEYS.gatewayReference] || this.endedAtGateway(data)) return { data }
    const order = await this.orderStatus(data)
    if (order.action === "canceled" || order.action === "failed") {
      return { data: { ...data, [SESSION_KEYS.gatewayStatus]: order.status } }
    }
    // only an order the customer has not paid may be deleted (inProgress is pending, but their claim to have paid)
    if (UNPAID_STATUSES.includes(order.status)) {
      await this.gatewayCall(
        this.client.updateOrderStatus(data[SESSION_KEYS.gatewayReference] as string, data[SESSION_KEYS.orderSecret] as string, "deleted")
      )
      return { data: { ...data, [SESSION_KEYS.gatewayStatus]: "deleted" } }
    }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      order.action === "unknown"
        ? `Exchanger order ${data[SESSION_KEYS.gatewayReference]} has status "${order.status}", which the plugin does not know, so it cannot be canceled from Medusa; ask the exchanger.`
        : `Exchanger order ${data[SESSION_KEYS.gatewayReference]} is already paid (status "${order.status}") and cannot be canceled from Medusa; ask the exchanger to return the money.`
    )
  }

  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    return this.cancelPayment(input)
  }

  /** The exchanger has no refund call: a return it made is recorded from the admin. */
  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const recorded = this.refundMadeAtGateway(input)
    if (recorded) return recorded
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "The exchanger has no refund API: arrange the return with the exchanger, then record it on the order (Gateway payments: Record a refund made at the gateway). Nothing was refunded by Medusa."
    )
  }

  /**
   * The IPN is sent once and may be lost: `order/get` tells what it said.
   * An order still unpaid past `orderLifetimeMinutes` is deleted at the
   * exchanger (so it can no longer be paid) and reported as expired; if the
   * engine refuses because the customer has just paid, the next run sees it.
   */
  async reconcileSession(session: SessionToReconcile, now: number): Promise<GatewayEvent | undefined> {
    const data = session.data
    const uid = data[SESSION_KEYS.gatewayReference] as string | undefined
    const secret = data[SESSION_KEYS.orderSecret] as string
    if (!uid) return undefined
    const order = await this.client.getOrder(uid, secret)
    const expired =
      UNPAID_STATUSES.includes(order.status) &&
      now - new Date(session.created_at).getTime() > this.options_.orderLifetimeMinutes * 60_000
    if (!expired && order.status === data[SESSION_KEYS.gatewayStatus]) return undefined
    if (expired) await this.client.updateOrderStatus(order.uid, secret, "deleted")
    const event = this.eventInput(session.id, {
      orderId: order._id ?? order.uid,
      uid: order.uid,
      status: order.status,
      inAmount: order.inAmount ?? (data[SESSION_KEYS.gatewayAmount] as string),
    })
    return this.gatewayEvent(
      expired ? { ...event, action: "canceled", gateway_status: "expired", event_key: `${event.event_key}:expired` } : event
    )
  }

  /** The event an exchanger order's status stands for, from an IPN or from `order/get`. */
  private eventInput(sessionId: string, order: { orderId: string; uid?: string; status: string; inAmount: string }): UnsealedGatewayEvent {
    return {
      action: gatewayAction(order.status),
      session_id: sessionId,
      amount: order.inAmount,
      event_key: eventKey(order.orderId, order.status),
      gateway_status: order.status,
      gateway_reference: order.uid,
      attention: statusAttention(order.status),
    }
  }

  /**
   * The IPN: a form body (the doc's only format) read once, the session from
   * the IPN URL's own query string, the checksum with the order's secret. The
   * checksum may come as a body field `hash`, `sign` or `checksum` or a header
   * `x-hash`/`hash`: exactly one of them.
   */
  protected verifyNotification(payload: GatewayWebhookPayload): GatewayEvent {
    exactMediaType(GATEWAY, headerValue(payload.headers, "content-type"), [FORM_MEDIA_TYPE])
    const fields = plainFields(parseStrictForm(GATEWAY, this.rawBodyOf(payload), { nested: { toValues: { depth: 2, indexed: true } } }))
    if (!payload.rawQuery) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "Exchanger IPN: the IPN URL carries no session_id; the exchanger must call the plugin's /hooks/payment-gateways route the order was created with."
      )
    }
    const { session_id: sessionId } = this.parseNotification(
      exchangerIpnQuerySchema,
      plainFields(parseStrictForm(GATEWAY, payload.rawQuery))
    )
    const carriers = [fields.hash, fields.sign, fields.checksum, headerValue(payload.headers, "x-hash"), headerValue(payload.headers, "hash")]
    const present = carriers.filter((carrier) => carrier !== undefined)
    if (present.length !== 1) {
      throw new MedusaError(
        present.length ? MedusaError.Types.INVALID_DATA : MedusaError.Types.UNAUTHORIZED,
        present.length ? "Exchanger IPN: the checksum is given more than once." : "Exchanger IPN: the checksum is missing."
      )
    }
    const ipn = this.parseNotification(exchangerIpnSchema, fields)
    const { orderUID: _unverified, ...checksummed } = ipn
    if (!verifyIpnChecksum(ipn, orderIpnSecret(this.options_.ipnSecret, sessionId), present[0])) {
      throw new MedusaError(MedusaError.Types.UNAUTHORIZED, "Exchanger IPN: the checksum is invalid.")
    }
    const sentAt = Number(ipn.timestamp) > 1e12 ? Number(ipn.timestamp) : Number(ipn.timestamp) * 1000
    if (Math.abs(Date.now() - sentAt) > this.options_.ipnMaxAgeSeconds * 1000) {
      throw new MedusaError(
        MedusaError.Types.UNAUTHORIZED,
        `Exchanger IPN: timestamp ${ipn.timestamp} is outside the ${this.options_.ipnMaxAgeSeconds} s window (replayed or delayed).`
      )
    }
    const routes = Object.values(this.options_.routes)
    if (routes.some((route) => route.xmlFrom) && !routes.some((route) => route.xmlFrom === ipn.xml_from)) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `Exchanger IPN: xml_from ${ipn.xml_from} is not a currency of this provider's routes.`)
    }
    return this.gatewayEvent({
      // orderUID is not covered by the checksum: the reference stays the one the order was created with
      ...this.eventInput(sessionId, { orderId: ipn.orderId, status: ipn.newStatus, inAmount: ipn.inAmount }),
      notification: checksummed,
    })
  }
}
