/**
 * received -> processing -> processed | failed (retried) | flagged (operator) | ignored.
 * A module of its own, importing nothing, so the admin's bundle can use it.
 */
export const GATEWAY_EVENT_STATES = ["received", "processing", "processed", "failed", "flagged", "ignored"] as const
export type GatewayEventState = (typeof GATEWAY_EVENT_STATES)[number]
