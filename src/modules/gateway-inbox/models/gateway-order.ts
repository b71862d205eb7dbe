import { model } from "@medusajs/framework/utils"

/**
 * Every gateway order the plugin created, recorded when its payment session
 * is created and kept after Medusa drops the session: money paid for a
 * session the cart no longer has is still verified against what was asked
 * (amount, currency) and put in front of the operator with its cart, and
 * reconciliation reads the open ones here (indexed by state and next check)
 * instead of paging through Medusa's payment sessions.
 */
export const GatewayOrder = model
  .define("gateway_order", {
    id: model.id({ prefix: "gword" }).primaryKey(),
    provider_id: model.text(),
    session_id: model.text(),
    payment_collection_id: model.text(),
    cart_id: model.text().nullable(),
    /** What the gateway was asked to charge, at the currency's precision. */
    amount: model.bigNumber(),
    currency_code: model.text(),
    gateway_reference: model.text().nullable(),
    /** open: the gateway may still move money; settled: captured or ended; dropped: Medusa no longer has the session. */
    state: model.enum(["open", "settled", "dropped"]).default("open"),
    /** When reconciliation asks the gateway next (providers with a status call). */
    next_check_at: model.dateTime().nullable(),
    checks: model.number().default(0),
  })
  .indexes([
    { on: ["session_id"], unique: true },
    { on: ["state", "next_check_at"] },
    // every new payment session marks its collection's earlier ones dropped: flat however long the history
    { on: ["payment_collection_id"] },
  ])
