import type { GatewayConfirmation } from "../../lib/session-data"

/**
 * Romb's notification statuses. Romb charges at once (no hold), so PAID is
 * a captured payment; WAIT and PENDING leave the cart open.
 */
export const ROMB_STATUS_ACTION: Record<string, GatewayConfirmation["action"]> = {
  PAID: "captured",
  WAIT: "pending",
  PENDING: "pending",
  CANCELED: "canceled",
}

/** Status recorded on a session right after its Romb order is created. */
export const ROMB_INITIAL_STATUS = "WAIT"
