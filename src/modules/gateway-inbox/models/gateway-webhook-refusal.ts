import { model } from "@medusajs/framework/utils"

/** Why a webhook was refused: a signature that does not verify (401), or a body that is malformed or ambiguous (400). */
export const WEBHOOK_REFUSAL_REASONS = ["unauthorized", "malformed"] as const
export type WebhookRefusalReason = (typeof WEBHOOK_REFUSAL_REASONS)[number]

/**
 * How many webhooks a provider refused in one hour, for one reason: the
 * operator sees a forged or misconfigured gateway without the plugin storing
 * what an attacker sent (the body is never kept), and a flood costs one row
 * per provider, hour and reason.
 */
export const GatewayWebhookRefusal = model
  .define("gateway_webhook_refusal", {
    id: model.id({ prefix: "gwref" }).primaryKey(),
    provider_id: model.text(),
    /** The start of the hour the refusals fell in. */
    hour: model.dateTime(),
    reason: model.enum([...WEBHOOK_REFUSAL_REASONS]),
    count: model.number().default(0),
  })
  .indexes([{ on: ["provider_id", "hour", "reason"], unique: true }])
