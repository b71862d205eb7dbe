import type { GatewayAction } from "./session-data"

/**
 * The form every gateway's `status.ts` fills in: its raw statuses mapped to
 * the one vocabulary, the status a new order starts in, what an event is
 * keyed by (the gateway's id and the outcome; the inbox deduplicates on it
 * with the provider and the session, so a webhook and the status call must
 * name the same event alike), and which statuses need the operator.
 * Adding a gateway status is one line in its map.
 */
export type GatewayStatusForm = {
  STATUS_ACTIONS: ReadonlyMap<string, GatewayAction>
  INITIAL_STATUS: string
  gatewayAction(status: string): GatewayAction
  eventKey(reference: string, status: string): string
  statusAttention(status: string): string | undefined
}

/** A raw status's action; any status the map does not name is "unknown". */
export function actionOf(actions: ReadonlyMap<string, GatewayAction>, status: string): GatewayAction {
  return actions.get(status) ?? "unknown"
}
