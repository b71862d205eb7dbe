import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { hmacSha256Hex, signaturesEqual } from "../../lib/crypto"

/**
 * The keys every provider writes into `payment_session.data` (public: the
 * storefront reads them). The storefront may not send any of them.
 */
export const SESSION_KEYS = {
  redirectUrl: "redirect_url",
  gateway: "gateway",
  gatewayReference: "gateway_reference",
  gatewayStatus: "gateway_status",
  confirmation: "gateway_confirmation",
  /** A refund made at the gateway, waiting to be recorded in Medusa (payment data). */
  externalRefund: "gateway_external_refund",
  /** A refund the operator made in the gateway's dashboard and is recording in Medusa (payment data). */
  refundMadeAtGateway: "gateway_refund_made_at_gateway",
  /** Refunds recorded on the payment (payment data). */
  refunds: "refunds",
  /** The amount and currency the gateway order was created for. */
  gatewayAmount: "gateway_amount",
  currencyCode: "currency_code",
  sessionId: "session_id",
  /** RubitPay: which flow the invoice was opened with, "single_step" or "two_step". */
  flow: "gateway_flow",
  /** Exchanger: the order's secret, needed for `order/get`; the customer sees it in the payment page URL anyway. */
  orderSecret: "order_secret",
} as const

const RESERVED_KEYS: string[] = Object.values(SESSION_KEYS).filter(
  (key) => key !== SESSION_KEYS.sessionId
)

/**
 * Parses what the storefront sent as session data. Medusa merges it into the
 * stored data, so it must never carry a key the plugin decides on, and only
 * the keys the provider documents are accepted.
 */
export function parseStorefrontInput<S extends z.ZodObject>(
  gateway: string,
  schema: S,
  data: Record<string, unknown> | undefined
): z.infer<S> {
  const { session_id: _medusaSessionId, ...input } = data ?? {}
  const reserved = Object.keys(input).filter((key) => RESERVED_KEYS.includes(key))
  if (reserved.length) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `${gateway}: payment session data may not set ${reserved.join(", ")}; these keys are written by the payment provider.`
    )
  }
  const result = schema.strict().safeParse(input)
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown key(s) ${issue.keys.join(", ")} (accepted: ${Object.keys(schema.shape).join(", ")})`
          : `\`${issue.path.join(".")}\`: ${issue.message}`
      )
      .join("; ")
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `${gateway}: invalid payment session data: ${problems}`
    )
  }
  return result.data as z.infer<S>
}

/**
 * What a gateway said, in the plugin's words. "refunded": the amount is the
 * total the gateway reports as refunded so far. "unknown": a correctly signed
 * status the plugin does not know; it is recorded for the operator and
 * changes nothing.
 */
export const GATEWAY_ACTIONS = ["authorized", "captured", "pending", "failed", "canceled", "refunded", "unknown"] as const
export type GatewayAction = (typeof GATEWAY_ACTIONS)[number]

/** What a verified gateway notification said about a session. */
export type GatewayConfirmation = {
  action: GatewayAction
  gateway_status: string
  amount: string
  currency_code: string
  event_key: string
  confirmed_at: string
  seal: string
}

function confirmationSealBase(sessionId: string, c: Omit<GatewayConfirmation, "seal">): string {
  return [
    "medusa-plugin-redirect-payments/confirmation/v1",
    sessionId,
    c.action,
    c.gateway_status,
    c.amount,
    c.currency_code,
    c.event_key,
    c.confirmed_at,
  ].join("\n")
}

/**
 * Seals a confirmation with a key only the server knows, so the copy kept in
 * the (storefront-visible) session data cannot be forged or moved to another
 * session.
 */
export function sealConfirmation(
  sessionId: string,
  confirmation: Omit<GatewayConfirmation, "seal">,
  key: string
): GatewayConfirmation {
  return { ...confirmation, seal: hmacSha256Hex(confirmationSealBase(sessionId, confirmation), key) }
}

const confirmationSchema = z.object({
  action: z.enum(GATEWAY_ACTIONS),
  gateway_status: z.string(),
  amount: z.string(),
  currency_code: z.string(),
  event_key: z.string(),
  confirmed_at: z.string(),
  seal: z.string(),
})

/** The session's confirmation if present and sealed by this provider for this session. */
export function readConfirmation(
  sessionId: string | undefined,
  data: Record<string, unknown> | undefined,
  key: string,
  dataKey: string = SESSION_KEYS.confirmation
): GatewayConfirmation | undefined {
  const parsed = confirmationSchema.safeParse(data?.[dataKey])
  if (!sessionId || !parsed.success) {
    return undefined
  }
  const { seal, ...rest } = parsed.data
  const expected = hmacSha256Hex(confirmationSealBase(sessionId, rest), key)
  return signaturesEqual(expected, seal) ? parsed.data : undefined
}

/** What the admin's "record a refund made at the gateway" leaves in the payment data for the provider. */
export const refundMadeAtGatewaySchema = z.object({
  /** Ties the marker to the one refund it is recorded by (checked after the refund, under the payment's lock). */
  id: z.string().min(1),
  amount: z.string().regex(/^\d+(\.\d+)?$/),
  note: z.string().max(500).optional(),
  recorded_by: z.string().optional(),
  recorded_at: z.string(),
})

export type RefundMadeAtGateway = z.infer<typeof refundMadeAtGatewaySchema>
