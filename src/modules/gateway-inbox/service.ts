import { generateEntityId, InjectManager, MedusaContext, MedusaError, MedusaService } from "@medusajs/framework/utils"
import type {
  BigNumberInput,
  Context,
  InferEntityForModuleService,
  InferTypeOf,
  Logger,
} from "@medusajs/framework/types"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import type { GatewayEventState } from "./event-states"
import { GatewayEvent } from "./models/gateway-event"
import { GatewayOrder } from "./models/gateway-order"
import { PaidWithoutOrder } from "./models/paid-without-order"
import { GatewayWebhookRefusal, WebhookRefusalReason } from "./models/gateway-webhook-refusal"
import { RefusalLog } from "./refusal-log"
import { RefusalTally } from "./refusal-tally"

export type RecordGatewayEventInput = {
  provider_id: string
  /** The gateway's id for the payment and its outcome, as the provider keys them. */
  event_key: string
  session_id: string
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

export type NewGatewayOrder = {
  provider_id: string
  session_id: string
  payment_collection_id: string
  cart_id: string | null
  amount: string
  currency_code: string
  gateway_reference: string | null
  next_check_at: Date | null
}

export type GatewayOrderOfSession = {
  session_id: string
  provider_id: string
  payment_collection_id: string
  cart_id: string | null
  /** Decimal text at the currency's precision. */
  amount: string
  currency_code: string
  state: "open" | "settled" | "dropped"
}

/** What processing needs of a claimed event. */
export type ClaimedGatewayEvent = {
  id: string
  provider_id: string
  session_id: string | null
  action: string
  gateway_status: string
  gateway_reference: string | null
  /** Decimal text as the gateway wrote it. */
  amount: string | null
  confirmation: Record<string, unknown> | null
}

export type SettledGatewayEvent = Pick<ClaimedGatewayEvent, "id" | "provider_id" | "session_id" | "action"> & {
  flag_reason: string | null
  attempts: number
}

/** How `recordEvent` found the event: new, or a copy of a stored one. */
export type RecordedGatewayEvent = {
  id: string
  duplicate: boolean
  /** A new event whose key another session already holds: that session's id. */
  key_held_by: string | null
}

const placeholders = (values: unknown[]) => values.map(() => "?").join(", ")

/**
 * A claim on an event for processing lapses after this long (its worker
 * died). Processing takes about a second; its gateway calls are bounded by
 * their timeouts (15 s each by default), so a live worker is never overtaken.
 */
export const PROCESSING_LEASE_SECONDS = 90
/** A stored event not yet taken after this long was left by a process that died after acknowledging it. */
export const RECEIVED_GRACE_SECONDS = 30
/** Refused webhooks are written at most this long after they were counted. */
export const REFUSAL_FLUSH_MS = 5_000
/** A failing event is tried this often (backoff 1, 2, 4 … 60 minutes), then left for the operator. */
export const MAX_PROCESSING_ATTEMPTS = 10

type Timestamps = "created_at" | "updated_at" | "deleted_at"
/**
 * What `createGatewayEvents`/`updateGatewayEvents` accept. The DML infers a
 * bigNumber column's input as `number`, but Medusa stores any BigNumberInput;
 * the plugin passes decimal strings so amounts keep their exact value.
 */
type GatewayEventInput = Omit<InferEntityForModuleService<typeof GatewayEvent>, "amount" | Timestamps> & {
  amount: BigNumberInput | null
}
type GatewayOrderInput = Omit<InferEntityForModuleService<typeof GatewayOrder>, Timestamps>
type GatewayWebhookRefusalInput = Omit<InferEntityForModuleService<typeof GatewayWebhookRefusal>, Timestamps>
type PaidWithoutOrderInput = Omit<InferEntityForModuleService<typeof PaidWithoutOrder>, Timestamps>

export type NewPaidWithoutOrder = Pick<
  PaidWithoutOrderInput,
  "provider_id" | "session_id" | "event_id" | "cart_id" | "email" | "amount" | "currency_code" | "reason"
>
export type PaidWithoutOrderResolution = "order_placed" | "hold_released" | "refunded" | "refund_recorded"

/** States of an event the plugin still has to process (failed ones are retried). */
const AWAITING_PROCESSING_STATES: GatewayEventState[] = ["received", "processing", "failed"]

/** One provider's inbox at a glance, for the admin. */
export type GatewayInboxStats = {
  provider_id: string
  /** The latest verified webhook (not a status-call answer, not the plugin's own warning). */
  last_notification: { event_id: string; gateway_status: string; received_at: Date } | null
  awaiting_processing: number
  /** Events since `since` that need the operator (flagged, or processed with a warning). */
  flagged: number
  /** Webhooks refused since the start of the hour `since` falls in. */
  refused: Record<WebhookRefusalReason, number>
  last_refused_at: Date | null
}

class GatewayInboxModuleService extends MedusaService<{
  GatewayEvent: { dto: InferTypeOf<typeof GatewayEvent>; inputDto: GatewayEventInput; model: typeof GatewayEvent }
  GatewayOrder: { dto: InferTypeOf<typeof GatewayOrder>; inputDto: GatewayOrderInput; model: typeof GatewayOrder }
  GatewayWebhookRefusal: {
    dto: InferTypeOf<typeof GatewayWebhookRefusal>
    inputDto: GatewayWebhookRefusalInput
    model: typeof GatewayWebhookRefusal
  }
  PaidWithoutOrder: {
    dto: InferTypeOf<typeof PaidWithoutOrder>
    inputDto: PaidWithoutOrderInput
    model: typeof PaidWithoutOrder
  }
}>({ GatewayEvent, GatewayOrder, GatewayWebhookRefusal, PaidWithoutOrder }) {
  private readonly logger_: Logger

  constructor(container: { logger: Logger }) {
    // as Medusa's own modules do: the base class takes the container and the module's options
    super(...arguments)
    this.logger_ = container.logger
  }

  /**
   * Stores an event once, in one statement: the insert yields to the unique
   * (provider_id, event_key, session_id) index instead of failing on it, so a
   * duplicate (a gateway's retry) costs no error, no rollback and no dead row,
   * and is answered with the stored event's id from the same statement. A new
   * event also learns, from the same index, whether another session already
   * holds its event key (the gateway reused an id).
   */
  @InjectManager()
  async recordEvent(
    input: RecordGatewayEventInput,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<RecordedGatewayEvent> {
    const manager = sharedContext.manager as SqlEntityManager
    const json = (value: Record<string, unknown> | null | undefined) => (value == null ? null : JSON.stringify(value))
    const identity = [input.provider_id, input.event_key, input.session_id]
    const [row] = await manager.execute<RecordedGatewayEvent[]>(
      `with inserted as (
         insert into gateway_event (id, provider_id, event_key, session_id, action, gateway_status, gateway_reference,
                                    amount, raw_amount, currency_code, state, flag_reason, confirmation, payload)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (provider_id, event_key, session_id) where deleted_at is null do nothing
         returning id)
       select id, false as duplicate,
              (select other.session_id from gateway_event other
                where other.provider_id = ? and other.event_key = ? and other.session_id <> ? and other.deleted_at is null
                order by other.created_at limit 1) as key_held_by
         from inserted
       union all
       select id, true as duplicate, null as key_held_by
         from gateway_event
        where provider_id = ? and event_key = ? and session_id = ? and deleted_at is null and not exists (select 1 from inserted)`,
      [
        generateEntityId(undefined, "gwevt"),
        input.provider_id,
        input.event_key,
        input.session_id,
        input.action,
        input.gateway_status,
        input.gateway_reference ?? null,
        input.amount ?? null,
        input.amount == null ? null : JSON.stringify({ value: input.amount, precision: 20 }),
        input.currency_code ?? null,
        input.state ?? "received",
        input.flag_reason ?? null,
        json(input.confirmation),
        json(input.payload),
        ...identity,
        ...identity,
      ]
    )
    if (row) return row
    // the copy that won the race committed after this statement's snapshot was taken: read it now
    const [existing] = await manager.execute<RecordedGatewayEvent[]>(
      `select id, true as duplicate, null as key_held_by from gateway_event where provider_id = ? and event_key = ? and session_id = ? and deleted_at is null`,
      identity
    )
    return existing
  }

  /** Adds the operator's warning to a stored event that is still to be processed (processing reports it). */
  @InjectManager()
  async addEventWarning(id: string, warning: string, @MedusaContext() sharedContext: Context = {}) {
    const manager = sharedContext.manager as SqlEntityManager
    await manager.execute(
      `update gateway_event set flag_reason = concat_ws('; ', flag_reason, ?), updated_at = now() where id = ? and deleted_at is null`,
      [warning, id]
    )
  }

  /**
   * Atomically takes an event for processing and returns what processing
   * needs of it, in one statement. Undefined when another worker holds it
   * (within its lease) or it is already settled.
   */
  @InjectManager()
  async claimEvent(id: string, @MedusaContext() sharedContext: Context = {}): Promise<ClaimedGatewayEvent | undefined> {
    const manager = sharedContext.manager as SqlEntityManager
    const [claimed] = await manager.execute<ClaimedGatewayEvent[]>(
      `update gateway_event
          set state = 'processing', attempts = attempts + 1, updated_at = now()
        where id = ? and deleted_at is null
          and (state in ('received', 'failed')
               or (state = 'processing' and updated_at < now() - make_interval(secs => ?)))
      returning id, provider_id, session_id, action, gateway_status, gateway_reference,
                coalesce(raw_amount->>'value', amount::text) as amount, confirmation`,
      [id, PROCESSING_LEASE_SECONDS]
    )
    return claimed
  }

  /**
   * The events the retry job runs now, oldest first: stored but untouched for
   * RECEIVED_GRACE_SECONDS (the process died after acknowledging), claims
   * whose lease lapsed (it died while processing), and failed ones whose
   * backoff (1, 2, 4 … 60 minutes) is over with attempts left. Chosen in SQL,
   * so events that used up their retries never crowd out due ones.
   */
  @InjectManager()
  async dueGatewayEvents(limit: number, @MedusaContext() sharedContext: Context = {}): Promise<string[]> {
    const manager = sharedContext.manager as SqlEntityManager
    const rows = await manager.execute<Array<{ id: string }>>(
      `select id from gateway_event
        where deleted_at is null
          and ((state = 'received' and updated_at < now() - make_interval(secs => ?))
            or (state = 'processing' and updated_at < now() - make_interval(secs => ?))
            or (state = 'failed' and attempts < ?
                and updated_at + make_interval(mins => least(60, power(2, greatest(attempts - 1, 0)))::int) <= now()))
        order by created_at
        limit ?`,
      [RECEIVED_GRACE_SECONDS, PROCESSING_LEASE_SECONDS, MAX_PROCESSING_ATTEMPTS, limit]
    )
    return rows.map((row) => row.id)
  }

  /** Records gateway orders once per session; a concurrent copy loses on the unique session index. */
  @InjectManager()
  async recordGatewayOrders(orders: NewGatewayOrder[], @MedusaContext() sharedContext: Context = {}) {
    const manager = sharedContext.manager as SqlEntityManager
    for (const order of orders) {
      await manager.execute(
        `insert into gateway_order (id, provider_id, session_id, payment_collection_id, cart_id, amount, raw_amount,
                                    currency_code, gateway_reference, next_check_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (session_id) where deleted_at is null do nothing`,
        [
          generateEntityId(undefined, "gword"),
          order.provider_id,
          order.session_id,
          order.payment_collection_id,
          order.cart_id,
          order.amount,
          JSON.stringify({ value: order.amount, precision: 20 }),
          order.currency_code,
          order.gateway_reference,
          order.next_check_at,
        ]
      )
    }
  }

  /**
   * What the webhook intake checks an event against, in one indexed read of
   * the plugin's own table: the session's provider, the amount and currency
   * its gateway order was created for, and whether the cart dropped it.
   */
  @InjectManager()
  async gatewayOrderOfSession(
    sessionId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<GatewayOrderOfSession | undefined> {
    const manager = sharedContext.manager as SqlEntityManager
    const [order] = await manager.execute<GatewayOrderOfSession[]>(
      `select session_id, provider_id, payment_collection_id, cart_id, amount::text as amount, currency_code, state
         from gateway_order where session_id = ? and deleted_at is null`,
      [sessionId]
    )
    return order
  }

  /** The collection's open gateway orders whose session is no longer among `current`. */
  @InjectManager()
  async markGatewayOrdersDropped(paymentCollectionId: string, current: string[], @MedusaContext() sharedContext: Context = {}) {
    const manager = sharedContext.manager as SqlEntityManager
    await manager.execute(
      `update gateway_order set state = 'dropped', updated_at = now()
        where payment_collection_id = ? and state = 'open' and deleted_at is null
          ${current.length ? `and session_id not in (${placeholders(current)})` : ""}`,
      [paymentCollectionId, ...current]
    )
  }

  /** Gateway orders whose session Medusa no longer has. */
  @InjectManager()
  async markSessionsDropped(sessionIds: string[], @MedusaContext() sharedContext: Context = {}) {
    if (!sessionIds.length) return
    const manager = sharedContext.manager as SqlEntityManager
    await manager.execute(
      `update gateway_order set state = 'dropped', updated_at = now()
        where session_id in (${placeholders(sessionIds)}) and state = 'open' and deleted_at is null`,
      sessionIds
    )
  }

  /** Gateway orders whose payment is over: no more checks. */
  @InjectManager()
  async settleGatewayOrders(sessionIds: string[], @MedusaContext() sharedContext: Context = {}) {
    if (!sessionIds.length) return
    const manager = sharedContext.manager as SqlEntityManager
    await manager.execute(
      `update gateway_order set state = 'settled', next_check_at = null, updated_at = now()
        where session_id in (${placeholders(sessionIds)}) and state <> 'settled' and deleted_at is null`,
      sessionIds
    )
  }

  /**
   * The provider's open gateway orders due for a check, soonest first, each
   * pushed back by `retryAfterMs` (doubling with every check, at most an
   * hour) in the same statement, so two instances never take the same one.
   */
  @InjectManager()
  async takeDueGatewayOrders(
    providerId: string,
    input: { now: Date; limit: number; retryAfterMs: number },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<Array<{ id: string; session_id: string; created_at: Date }>> {
    const manager = sharedContext.manager as SqlEntityManager
    return manager.execute(
      `update gateway_order o
          set checks = o.checks + 1, updated_at = now(),
              next_check_at = ?::timestamptz + least(interval '1 hour', make_interval(secs => ? * power(2, least(o.checks, 12)) / 1000.0))
        where o.id in (select id from gateway_order
                        where provider_id = ? and state = 'open' and deleted_at is null and next_check_at <= ?
                        order by next_check_at
                        limit ? for update skip locked)
      returning o.id, o.session_id, o.created_at`,
      [input.now, input.retryAfterMs, providerId, input.now, input.limit]
    )
  }

  private readonly refusals = new RefusalTally()
  private readonly refusalLog = new RefusalLog()
  private refusalFlush: NodeJS.Timeout | undefined

  /**
   * Counts one refused webhook in memory and writes the tally within
   * REFUSAL_FLUSH_MS: a flood of forged webhooks costs one statement per
   * interval, not one per request. Counts not yet written when the process
   * stops are lost (they only feed the admin's counters).
   */
  countWebhookRefusal(providerId: string, reason: WebhookRefusalReason, message: string, at: Date = new Date()) {
    this.refusals.count(providerId, reason, at)
    const line = this.refusalLog.line(providerId, reason, message, at.getTime())
    if (line) this.logger_.warn(line)
    this.refusalFlush ??= setTimeout(() => void this.flushWebhookRefusals(), REFUSAL_FLUSH_MS).unref()
  }

  /** Writes the counted refusals, one statement for all; what fails to be written is counted again next time. */
  @InjectManager()
  async flushWebhookRefusals(@MedusaContext() sharedContext: Context = {}) {
    this.refusalFlush = undefined
    const counts = this.refusals.take()
    if (!counts.length) return
    const manager = sharedContext.manager as SqlEntityManager
    try {
      await manager.execute(
        `insert into gateway_webhook_refusal (id, provider_id, hour, reason, count, updated_at)
         values ${counts.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}
         on conflict (provider_id, hour, reason) where deleted_at is null
         do update set count = gateway_webhook_refusal.count + excluded.count,
                       updated_at = greatest(gateway_webhook_refusal.updated_at, excluded.updated_at)`,
        counts.flatMap((c) => [generateEntityId(undefined, "gwref"), c.provider_id, c.hour, c.reason, c.count, c.last_at])
      )
    } catch (error) {
      this.refusals.restore(counts)
      this.refusalFlush ??= setTimeout(() => void this.flushWebhookRefusals(), REFUSAL_FLUSH_MS).unref()
      this.logger_.warn(`Refused webhooks could not be counted yet (retrying): ${(error as Error).message}`)
    }
  }

  /** Each provider's inbox at a glance: flagged events and refusals counted from `since`. */
  @InjectManager()
  async gatewayInboxStats(
    providerIds: string[],
    since: Date,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<GatewayInboxStats[]> {
    if (!providerIds.length) return []
    const manager = sharedContext.manager as SqlEntityManager
    const ids = placeholders(providerIds)
    const [latest, counts, refusals] = await Promise.all([
      // a status-call answer carries `source: reconciliation`; the plugin's own warnings have no confirmation;
      // each provider's newest first, from its index: one row read per provider however long the history
      manager.execute(
        `select p.provider_id, e.id, e.gateway_status, e.created_at
           from (values ${providerIds.map(() => "(?)").join(", ")}) as p (provider_id)
          cross join lateral (
                select id, gateway_status, created_at from gateway_event
                 where provider_id = p.provider_id and deleted_at is null and confirmation is not null
                   and coalesce(payload->>'source', '') <> 'reconciliation'
                 order by created_at desc limit 1) e`,
        providerIds
      ),
      manager.execute(
        `select provider_id,
                count(*) filter (where state in (${placeholders(AWAITING_PROCESSING_STATES)}))::int as awaiting_processing,
                count(*) filter (where flag_reason is not null and created_at >= ?)::int as flagged
           from gateway_event
          where provider_id in (${ids}) and deleted_at is null
            and (state in (${placeholders(AWAITING_PROCESSING_STATES)}) or created_at >= ?)
          group by provider_id`,
        [...AWAITING_PROCESSING_STATES, since, ...providerIds, ...AWAITING_PROCESSING_STATES, since]
      ),
      manager.execute(
        `select provider_id, reason, sum(count)::int as count, max(updated_at) as last_at
           from gateway_webhook_refusal
          where provider_id in (${ids}) and deleted_at is null and hour >= date_trunc('hour', ?::timestamptz)
          group by provider_id, reason`,
        [...providerIds, since]
      ),
    ])
    return providerIds.map((providerId): GatewayInboxStats => {
      const last = latest.find((row) => row.provider_id === providerId)
      const count = counts.find((row) => row.provider_id === providerId)
      const refused = refusals.filter((row) => row.provider_id === providerId)
      const lastRefusedAt = refused.map((row) => new Date(row.last_at)).sort((a, b) => b.getTime() - a.getTime())[0]
      return {
        provider_id: providerId,
        last_notification: last ? { event_id: last.id, gateway_status: last.gateway_status, received_at: new Date(last.created_at) } : null,
        awaiting_processing: count?.awaiting_processing ?? 0,
        flagged: count?.flagged ?? 0,
        refused: {
          unauthorized: refused.find((row) => row.reason === "unauthorized")?.count ?? 0,
          malformed: refused.find((row) => row.reason === "malformed")?.count ?? 0,
        },
        last_refused_at: lastRefusedAt ?? null,
      }
    })
  }

  /** Records how processing ended, in one statement; returns what the caller reports on. */
  @InjectManager()
  async settleEvent(
    id: string,
    outcome: { state: "processed" | "failed" | "flagged" | "ignored"; error?: string; flag_reason?: string },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<SettledGatewayEvent> {
    const manager = sharedContext.manager as SqlEntityManager
    const [settled] = await manager.execute<SettledGatewayEvent[]>(
      `update gateway_event
          set state = ?, last_error = ?, flag_reason = coalesce(?, flag_reason), updated_at = now(),
              processed_at = ${outcome.state === "failed" ? "null" : "now()"}
        where id = ? and deleted_at is null
      returning id, provider_id, session_id, action, flag_reason, attempts`,
      [outcome.state, outcome.error ?? null, outcome.flag_reason || null, id]
    )
    if (!settled) throw new MedusaError(MedusaError.Types.NOT_FOUND, `Gateway event ${id} was not found.`)
    return settled
  }

  /**
   * Records a payment whose cart could not become its order, once per
   * session (one insert-or-ignore on the unique session index). True when it
   * is new: only then is the operator alerted, so a retried event never
   * alerts twice. A resolved record is opened again when the money is back
   * without an order (e.g. the order was placed and then failed).
   */
  @InjectManager()
  async recordPaidWithoutOrder(input: NewPaidWithoutOrder, @MedusaContext() sharedContext: Context = {}): Promise<boolean> {
    const manager = sharedContext.manager as SqlEntityManager
    const rows = await manager.execute<Array<{ id: string }>>(
      `insert into gateway_paid_without_order (id, provider_id, session_id, event_id, cart_id, email, amount, currency_code, reason)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (session_id) where deleted_at is null
       do update set state = 'open', reason = excluded.reason, event_id = excluded.event_id, resolution = null,
                     resolved_by = null, resolved_at = null, order_id = null, updated_at = now()
             where gateway_paid_without_order.state = 'resolved'
       returning id`,
      [
        generateEntityId(undefined, "gwpno"),
        input.provider_id,
        input.session_id,
        input.event_id ?? null,
        input.cart_id,
        input.email ?? null,
        input.amount,
        input.currency_code,
        input.reason,
      ]
    )
    return rows.length > 0
  }

  /** Marks an open record resolved, once: false when it was not open (resolved already, by someone else). */
  @InjectManager()
  async resolvePaidWithoutOrder(
    id: string,
    resolution: { resolution: PaidWithoutOrderResolution; resolved_by?: string; order_id?: string },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    const manager = sharedContext.manager as SqlEntityManager
    const rows = await manager.execute<Array<{ id: string }>>(
      `update gateway_paid_without_order
          set state = 'resolved', resolution = ?, resolved_by = ?, order_id = ?, resolved_at = now(), updated_at = now()
        where id = ? and state = 'open' and deleted_at is null
      returning id`,
      [resolution.resolution, resolution.resolved_by ?? null, resolution.order_id ?? null, id]
    )
    return rows.length > 0
  }
}

export default GatewayInboxModuleService
