import { InjectManager, MedusaContext, MedusaService } from "@medusajs/framework/utils"
import type { Context } from "@medusajs/framework/types"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import { GatewayEvent } from "./models/gateway-event"

export type RecordGatewayEventInput = {
  provider_id: string
  event_key: string
  session_id: string | null
  action: string
  gateway_status: string
  gateway_reference?: string | null
  amount?: string | null
  currency_code?: string | null
  state?: "received" | "flagged" | "ignored"
  flag_reason?: string | null
  confirmation?: Record<string, unknown> | null
  payload?: Record<string, unknown> | null
}

/** A claim on an event for processing lapses after this long (a dead worker). */
export const PROCESSING_LEASE_SECONDS = 300

class GatewayInboxModuleService extends MedusaService({ GatewayEvent }) {
  /**
   * Stores an event once. Concurrent copies race on the unique
   * (provider_id, event_key) index; the losers get the stored event back.
   */
  async recordEvent(input: RecordGatewayEventInput) {
    try {
      const event = await this.createGatewayEvents(input as any)
      return { event, duplicate: false }
    } catch (error) {
      const [existing] = await this.listGatewayEvents({
        provider_id: input.provider_id,
        event_key: input.event_key,
      })
      if (existing) {
        return { event: existing, duplicate: true }
      }
      throw error
    }
  }

  /**
   * Atomically takes an event for processing. Returns false when another
   * worker holds it (within its lease) or it is already settled.
   */
  @InjectManager()
  async claimEvent(id: string, @MedusaContext() sharedContext: Context = {}): Promise<boolean> {
    const manager = sharedContext.manager as SqlEntityManager
    const rows = await manager.execute(
      `update gateway_event
          set state = 'processing', attempts = attempts + 1, updated_at = now()
        where id = ? and deleted_at is null
          and (state in ('received', 'failed')
               or (state = 'processing' and updated_at < now() - make_interval(secs => ?)))
      returning id`,
      [id, PROCESSING_LEASE_SECONDS]
    )
    return rows.length === 1
  }

  async settleEvent(
    id: string,
    outcome: { state: "processed" | "failed" | "flagged" | "ignored"; error?: string; flag_reason?: string }
  ) {
    return this.updateGatewayEvents({
      id,
      state: outcome.state,
      last_error: outcome.error ?? null,
      ...(outcome.flag_reason ? { flag_reason: outcome.flag_reason } : {}),
      processed_at: outcome.state === "failed" ? null : new Date(),
    } as any)
  }
}

export default GatewayInboxModuleService
