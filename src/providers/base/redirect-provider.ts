import type { z } from "zod"
import {
  AbstractPaymentProvider,
  MedusaError,
  PaymentActions,
  PaymentSessionStatus,
} from "@medusajs/framework/utils"
import type {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  BigNumberValue,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  Logger,
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import type { GatewayKey } from "../../storefront"
import { asMedusaError } from "../../lib/errors"
import { amountsMatch, fromGatewayAmount } from "../../lib/money"
import { rawBodyText } from "../../lib/webhook-body"
import { DEFAULT_RECONCILE_AFTER_SECONDS } from "../../lib/options"
import {
  GatewayAction,
  GatewayConfirmation,
  readConfirmation,
  refundMadeAtGatewaySchema,
  sealConfirmation,
  SESSION_KEYS,
} from "./session-data"

/**
 * The one gateway event: what a gateway verifiably said about a payment
 * session, from a signed notification or from its status call. Every path
 * (both webhook URLs, reconciliation, the admin's sync) produces it, the
 * inbox stores it, the processing workflow acts on it.
 */
export type GatewayEvent = {
  action: GatewayAction
  data: {
    session_id: string
    amount: BigNumberValue
    /** Lowercase ISO code when the gateway reports one; otherwise the session's applies. */
    currency_code?: string
    /** The gateway's id for the payment and its outcome; with the provider and the session, what makes an event the same (the inbox deduplicates on all three). */
    event_key: string
    gateway_status: string
    gateway_reference?: string
    /** Sealed copy for the session data: proof that the gateway said so. */
    confirmation: GatewayConfirmation
    /** Processed as usual, but the operator should look (e.g. an exchanger's frozen order). */
    attention?: string
    /** The verified fields as the gateway sent them (secrets and payout requisites left out), for the inbox. */
    notification?: Record<string, unknown>
  }
}

/** A gateway event as a provider describes it, before it is sealed: the amount as the gateway wrote it. */
export type UnsealedGatewayEvent = Pick<GatewayEvent, "action"> &
  Omit<GatewayEvent["data"], "confirmation" | "amount"> & { amount: string }

/** What `verifyWebhook` answers the plugin's intake, which both webhook URLs feed: the verified event. */
export type VerifiedWebhookAnswer = WebhookActionResult & { verified: GatewayEvent }

/** A webhook as the routes hand it over; `rawQuery` is the query string of the URL the gateway called. */
export type GatewayWebhookPayload = ProviderWebhookPayload["payload"] & { rawQuery?: string }

/**
 * What a gateway verifiably said about a session, with the confirmation
 * sealed by the provider's key: from a verified webhook, or from the
 * gateway's status call when reconciliation asks it.
 */
export function buildGatewayEvent(confirmationKey: string, event: UnsealedGatewayEvent): GatewayEvent {
  const { action, ...data } = event
  const confirmation = sealConfirmation(
    data.session_id,
    {
      action,
      gateway_status: data.gateway_status,
      amount: data.amount,
      currency_code: data.currency_code ?? "",
      event_key: data.event_key,
      confirmed_at: new Date().toISOString(),
    },
    confirmationKey
  )
  return { action, data: { ...data, amount: fromGatewayAmount(data.amount), confirmation } }
}

export function headerValue(headers: Record<string, unknown> | undefined, name: string) {
  const value = headers?.[name.toLowerCase()]
  return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value)
}

/** A payment session reconciliation asks the gateway about. */
export type SessionToReconcile = { id: string; data: Record<string, unknown>; created_at: Date | string }

/**
 * What the three redirect providers share: the session-data contract, the
 * sealed record of a verified notification, and the Medusa calls that are the
 * same for every hosted-page gateway. Each gateway fills in its API calls.
 */
export abstract class RedirectPaymentProvider<
  /** `reconcileAfterSeconds`: set by providers with a status call (`reconcileAfterOption`). */
  TOptions extends Record<string, unknown> & {
    reconcileAfterSeconds?: number
    cancelOrderOnPaymentCancel?: boolean
    displayName?: string
  },
> extends AbstractPaymentProvider<TOptions> {
  /** Human name for messages, e.g. "Romb". */
  protected abstract readonly gatewayName: string
  /** The value of `data.gateway`, e.g. "romb". */
  abstract readonly gatewayKey: GatewayKey
  /** Server-only key that seals confirmations in session data. */
  protected abstract confirmationKey(): string

  protected readonly options_: TOptions
  protected readonly logger_?: Logger

  protected constructor(cradle: Record<string, unknown>, options: TOptions) {
    super(cradle, options)
    this.options_ = options
    this.logger_ = cradle.logger as Logger | undefined
  }

  /**
   * Reconciliation, for gateways with a status call: what the gateway says
   * now about a session whose notification may have been lost, as the event
   * a verified notification would be (same event key), or undefined when
   * there is nothing new. Providers without a status call leave it out.
   */
  reconcileSession?(session: SessionToReconcile, now: number): Promise<GatewayEvent | undefined>

  /**
   * For gateways that hold money only for a while (two-step payments): when
   * the hold of this session ends unless it is captured. Others leave it out.
   */
  holdExpiresAt?(session: SessionToReconcile): Date | undefined

  /**
   * The registration's name for people (admin, storefront), e.g. "RubitPay
   * (two-step)" or "obmin.me": option `displayName`, else what the gateway
   * and its options say.
   */
  get displayName(): string {
    return this.options_.displayName ?? this.defaultDisplayName()
  }

  protected defaultDisplayName(): string {
    return this.gatewayName
  }

  /**
   * The statuses one of which the gateway must have reported for the session
   * before `gatewayStatus` counts as money (none: it counts at once).
   */
  paidOnlyAfter(_gatewayStatus: string): readonly string[] {
    return []
  }

  /** Whether the gateway refunds through its API (otherwise a refund made in its dashboard is recorded). */
  get hasRefundCall(): boolean {
    return false
  }

  /** Whether the gateway can be asked about a payment (reconciliation, the admin's Sync). */
  get hasStatusCall(): boolean {
    return typeof this.reconcileSession === "function"
  }

  /** Whether a gateway ending after the order exists cancels the order too (option `cancelOrderOnPaymentCancel`). */
  get cancelsOrderOnPaymentCancel(): boolean {
    return this.options_.cancelOrderOnPaymentCancel === true
  }

  /** Seconds after creation before reconciliation asks about a session. */
  get reconcileAfterSeconds(): number {
    return this.options_.reconcileAfterSeconds ?? DEFAULT_RECONCILE_AFTER_SECONDS
  }

  protected sessionIdOf(data: Record<string, unknown> | undefined): string | undefined {
    const id = data?.[SESSION_KEYS.sessionId]
    return typeof id === "string" && id ? id : undefined
  }

  /** The Medusa session id a new gateway order is created for (its merchant reference). */
  protected newSessionId(input: InitiatePaymentInput): string {
    const sessionId = this.sessionIdOf(input.data) ?? input.context?.idempotency_key
    if (!sessionId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `${this.gatewayName}: the payment session id is missing.`)
    }
    return sessionId
  }

  /** A call to the gateway whose failure reaches Medusa as the MedusaError of its kind. */
  protected async gatewayCall<T>(call: Promise<T>): Promise<T> {
    try {
      return await call
    } catch (error) {
      throw asMedusaError(error)
    }
  }

  /**
   * A storefront-supplied return URL, only on a host the merchant allowed:
   * anyone holding the publishable key could otherwise send shoppers elsewhere.
   */
  protected allowedReturnUrl(returnUrl: string | undefined, allowedHosts: string[]): string | undefined {
    if (!returnUrl) return undefined
    const host = new URL(returnUrl).host
    if (!allowedHosts.includes(host)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `${this.gatewayName}: return_url host ${host} is not allowed; add it to the provider's allowedReturnHosts option.`
      )
    }
    return returnUrl
  }

  /** The webhook's exact bytes as text, which every gateway signs. */
  protected rawBodyOf(payload: GatewayWebhookPayload): string {
    return rawBodyText(this.gatewayName, payload.rawData)
  }

  /** A verified notification's fields held to their documented formats, or a 400 naming what is malformed. */
  protected parseNotification<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
    const parsed = schema.safeParse(data)
    if (!parsed.success) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `${this.gatewayName} webhook: malformed notification: ${parsed.error.issues
          .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
          .join("; ")}`
      )
    }
    return parsed.data
  }

  protected confirmationOf(data: Record<string, unknown> | undefined) {
    return readConfirmation(this.sessionIdOf(data), data, this.confirmationKey())
  }

  /**
   * Whether the gateway's own verified word says the payment is over (failed,
   * canceled, returned, released). Cancelling it then must not call the
   * gateway back: the plugin cancels the Medusa payment after such news.
   */
  protected endedAtGateway(data: Record<string, unknown> | undefined): boolean {
    const action = this.confirmationOf(data)?.action
    return action === "canceled" || action === "failed"
  }

  /**
   * A refund the operator made in the gateway's dashboard and records in
   * Medusa (admin "Record a refund made at the gateway"): the admin workflow
   * leaves it in the payment data, and the provider records it without
   * calling the gateway. Only the server writes payment data, and session
   * data may not carry this key (it is one of SESSION_KEYS).
   */
  protected refundMadeAtGateway(input: RefundPaymentInput): RefundPaymentOutput | undefined {
    const { [SESSION_KEYS.refundMadeAtGateway]: marker, ...data } = input.data ?? {}
    const parsed = refundMadeAtGatewaySchema.safeParse(marker)
    if (!parsed.success) return undefined
    const currency = String(data[SESSION_KEYS.currencyCode] ?? "")
    if (!currency || !amountsMatch(input.amount, parsed.data.amount, currency)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `${this.gatewayName}: the refund being recorded (${parsed.data.amount}) is not the refund Medusa is making; nothing was recorded.`
      )
    }
    const refunds = Array.isArray(data[SESSION_KEYS.refunds]) ? (data[SESSION_KEYS.refunds] as unknown[]) : []
    // Medusa merges payment data on update: a key is taken out by setting it to null
    return {
      data: {
        ...data,
        [SESSION_KEYS.refundMadeAtGateway]: null,
        [SESSION_KEYS.refunds]: [
          ...refunds,
          { ...parsed.data, made_at_gateway: true, shop_refund_id: input.context?.idempotency_key ?? null },
        ],
      },
    }
  }

  /** Builds the webhook result, sealing the confirmation for the session. */
  protected gatewayEvent(event: UnsealedGatewayEvent): GatewayEvent {
    return buildGatewayEvent(this.confirmationKey(), event)
  }

  /** The session status a confirmation stands for. */
  protected statusOf(confirmation: Pick<GatewayConfirmation, "action"> | undefined): PaymentSessionStatus {
    switch (confirmation?.action) {
      // money that came in and (partly) went back out was captured first
      case "refunded":
      case "captured":
        return PaymentSessionStatus.CAPTURED
      case "authorized":
        return PaymentSessionStatus.AUTHORIZED
      case "canceled":
        return PaymentSessionStatus.CANCELED
      case "failed":
        return PaymentSessionStatus.ERROR
      default:
        return PaymentSessionStatus.PENDING
    }
  }

  /**
   * Throws the error a shopper sees when completing a cart whose payment the
   * gateway has not confirmed: the cart stays open and no order is created.
   */
  protected notAuthorized(confirmation: Pick<GatewayConfirmation, "action" | "gateway_status"> | undefined): never {
    const reason =
      confirmation?.action === "canceled"
        ? `the payment was canceled at ${this.gatewayName}`
        : confirmation?.action === "failed"
          ? `${this.gatewayName} reported the payment as failed (${confirmation.gateway_status})`
          : confirmation?.action === "refunded"
            ? `${this.gatewayName} reports this payment as refunded`
            : `${this.gatewayName} has not confirmed the payment yet; the order is created as soon as it does`
    throw new MedusaError(MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR, `Payment not completed: ${reason}.`)
  }

  /**
   * What the gateway says about this payment now: its status call where it
   * has one, otherwise the verified notification recorded for the session.
   */
  protected abstract gatewayOutcome(data: Record<string, unknown>): Promise<{ action: GatewayAction; gateway_status: string }>

  /**
   * Cart completion: only the gateway's own word authorizes (or, for a
   * gateway that charges at once, captures); anything else keeps the cart
   * open with the reason.
   */
  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const data = input.data ?? {}
    const outcome = await this.gatewayOutcome(data)
    const status = this.statusOf(outcome)
    if (outcome.action !== "captured" && outcome.action !== "authorized") this.notAuthorized(outcome)
    return { status, data: { ...data, [SESSION_KEYS.gatewayStatus]: outcome.gateway_status } }
  }

  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const data = input.data ?? {}
    const outcome = await this.gatewayOutcome(data)
    return { status: this.statusOf(outcome), data: { ...data, [SESSION_KEYS.gatewayStatus]: outcome.gateway_status } }
  }

  /**
   * Medusa merges the caller's data into the session; the gateway order was
   * created for one amount and currency, which cannot change afterwards.
   */
  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const data = input.data ?? {}
    const gatewayAmount = data[SESSION_KEYS.gatewayAmount] as string | undefined
    const currency = data[SESSION_KEYS.currencyCode] as string | undefined
    if (
      gatewayAmount &&
      currency &&
      input.amount !== undefined &&
      (input.currency_code !== currency || !amountsMatch(input.amount, gatewayAmount, currency))
    ) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `${this.gatewayName} orders cannot change amount or currency; create a new payment session instead.`
      )
    }
    return { data }
  }

  async retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    return { data: input.data }
  }

  /**
   * Reads the webhook once from its raw bytes, verifies its signature over
   * exactly that structure, holds every field to its documented format and
   * says what the gateway reported. Throws UNAUTHORIZED (forged) or
   * INVALID_DATA (malformed or ambiguous): nothing is stored then.
   */
  protected abstract verifyNotification(payload: GatewayWebhookPayload): GatewayEvent

  /** The intake's verification of a webhook from either URL (see verifyNotification). */
  async verifyWebhook(payload: GatewayWebhookPayload): Promise<VerifiedWebhookAnswer> {
    return { action: PaymentActions.NOT_SUPPORTED, verified: this.verifyNotification(payload) }
  }

  /**
   * Medusa's own webhook subscriber (`/hooks/payment/:provider`) must not act
   * on a gateway event: it would skip the inbox, the amount check and the
   * state rules. So it always gets `not_supported`, without a verification of
   * its own: the plugin's subscriber takes the same event through the intake,
   * which verifies, counts a refusal and logs it in summary. (Throwing here
   * would make Medusa log a stack trace for every forged body.)
   */
  async getWebhookActionAndData(payload: GatewayWebhookPayload): Promise<WebhookActionResult> {
    const probe = payload.data?.[PROVIDER_PROBE_FIELD]
    if (probe instanceof ProviderProbe) {
      probe.answeredBy = this
      // a probe is no notification: refused like one, after answering
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `${this.gatewayName}: a provider probe is not a webhook.`)
    }
    return { action: PaymentActions.NOT_SUPPORTED }
  }
}

/** The webhook data field that carries a ProviderProbe. */
export const PROVIDER_PROBE_FIELD = "redirect_payments_provider_probe"

/**
 * How the plugin reaches the provider instance Medusa registered under an id
 * through public API only: the payment module's `getWebhookActionAndData`
 * hands the payload to that instance, which writes itself into the probe. No
 * webhook can forge one: a parsed HTTP body holds plain values, never an
 * instance of this class.
 */
export class ProviderProbe {
  answeredBy?: RedirectPaymentProvider<Record<string, unknown>>
}
