import { model } from "@medusajs/framework/utils"

/**
 * A payment the gateway confirmed whose cart could not become its order
 * (stock, no shipping method, a cart Medusa refuses, or processing that used
 * up its retries): the customer has paid and the shop holds the money, so it
 * stays in front of the operator until it is resolved (the order placed, the
 * hold released, the money refunded or a refund made at the gateway recorded).
 * One per payment session.
 */
export const PaidWithoutOrder = model
  .define("gateway_paid_without_order", {
    id: model.id({ prefix: "gwpno" }).primaryKey(),
    provider_id: model.text(),
    session_id: model.text(),
    /** The gateway event whose processing found it. */
    event_id: model.text().nullable(),
    cart_id: model.text(),
    email: model.text().nullable(),
    /** Decimal text at the currency's precision: what the gateway confirmed. */
    amount: model.text(),
    currency_code: model.text(),
    /** Why the order could not be placed, in Medusa's words. */
    reason: model.text(),
    state: model.enum(["open", "resolved"]).default("open"),
    /** order_placed, hold_released, refunded, refund_recorded */
    resolution: model.text().nullable(),
    resolved_by: model.text().nullable(),
    resolved_at: model.dateTime().nullable(),
    order_id: model.text().nullable(),
  })
  .indexes([{ on: ["session_id"], unique: true }, { on: ["state"] }])
