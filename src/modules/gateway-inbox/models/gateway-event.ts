import { model } from "@medusajs/framework/utils"
import { GATEWAY_EVENT_STATES } from "../event-states"

/**
 * One verified gateway notification (or reconciliation finding), stored once
 * per provider, event key (the gateway's id and outcome) and session before it
 * is acknowledged, so that duplicates are recognised and nothing is lost if
 * processing fails or the process dies. The gateway's id alone is not unique
 * enough: a sandbox that went live, a renumbered gateway or restored data
 * hand the same id to another session, whose payment is news, not a copy.
 */
export const GatewayEvent = model
  .define("gateway_event", {
    id: model.id({ prefix: "gwevt" }).primaryKey(),
    provider_id: model.text(),
    event_key: model.text(),
    session_id: model.text().nullable(),
    action: model.text(),
    gateway_status: model.text(),
    gateway_reference: model.text().nullable(),
    amount: model.bigNumber().nullable(),
    currency_code: model.text().nullable(),
    state: model.enum([...GATEWAY_EVENT_STATES]).default("received"),
    flag_reason: model.text().nullable(),
    attempts: model.number().default(0),
    last_error: model.text().nullable(),
    processed_at: model.dateTime().nullable(),
    /** The sealed confirmation to record on the payment session. */
    confirmation: model.json().nullable(),
    payload: model.json().nullable(),
  })
  .indexes([
    // also the index that finds another session holding the same gateway id and outcome
    { on: ["provider_id", "event_key", "session_id"], unique: true },
    { on: ["session_id"] },
    { on: ["state"] },
    // the admin's per-gateway view: latest notification, recent counts, events newest first
    { on: ["provider_id", "created_at"] },
    // the admin's event list, newest first, all gateways or only what needs the operator
    { on: ["created_at", "id"] },
    { name: "IDX_gateway_event_flagged_created_at_id", on: ["created_at", "id"], where: "flag_reason IS NOT NULL" },
  ])
