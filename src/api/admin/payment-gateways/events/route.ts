import type { MedusaContainer } from "@medusajs/framework/types"
import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { GATEWAY_INBOX_MODULE } from "../../../../modules/gateway-inbox"
import { GATEWAY_EVENT_STATES } from "../../../../modules/gateway-inbox/event-states"
import type GatewayInboxModuleService from "../../../../modules/gateway-inbox/service"
import { AdminGatewayEvent, adminGatewayEvent } from "../gateway-event-view"

export const adminGatewayEventsQuery = z
  .object({
    provider_id: z.string().trim().min(1).optional(),
    state: z.enum(GATEWAY_EVENT_STATES).optional(),
    /** true: only events that need the operator (flagged, or processed with a warning); false: only the others. */
    flagged: z
      .enum(["true", "false"], { error: 'must be "true" or "false"' })
      .transform((value) => value === "true")
      .optional(),
    order_id: z.string().trim().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict()

/** A gateway event with the order (or the cart, before there is an order) its payment belongs to. */
export type AdminGatewayInboxEvent = AdminGatewayEvent & { order_id: string | null; cart_id: string | null }

export type AdminGatewayEventsResponse = {
  events: AdminGatewayInboxEvent[]
  /** Exact up to EVENT_COUNT_CAP; past it, EVENT_COUNT_CAP with `count_capped`. */
  count: number
  count_capped: boolean
  limit: number
  offset: number
}

/**
 * Counting every stored event would read the whole inbox on each page view,
 * a cost that grows with the shop's history: the count is read from the
 * same index as the page and stops here.
 */
export const EVENT_COUNT_CAP = 10_000

/**
 * Every payment session ever opened for the order's payment collections: its
 * current ones and those the cart replaced (known by their gateway orders),
 * since money paid for a replaced session still belongs to the order's story.
 */
async function orderSessionIds(container: MedusaContainer, orderId: string): Promise<string[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data: orders } = await query.graph({
    entity: "order",
    fields: ["id", "payment_collections.id", "payment_collections.payment_sessions.id"],
    filters: { id: orderId },
  })
  // the fields queried above (Query returns them untyped)
  const order: { payment_collections?: Array<{ id: string; payment_sessions?: Array<{ id: string }> | null }> | null } | undefined =
    orders[0]
  if (!order) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Order ${orderId} was not found.`)
  }
  const collections = order.payment_collections ?? []
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const gatewayOrders = collections.length
    ? await inbox.listGatewayOrders({ payment_collection_id: collections.map(({ id }) => id) }, { select: ["session_id"] })
    : []
  return [
    ...new Set([
      ...collections.flatMap((collection) => (collection.payment_sessions ?? []).map(({ id }) => id)),
      ...gatewayOrders.map(({ session_id }) => session_id),
    ]),
  ]
}

/** For each session: its currency, cart and order, from the gateway order recorded when it was created. */
async function sessionContext(container: MedusaContainer, sessionIds: string[]) {
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const gatewayOrders = sessionIds.length
    ? await inbox.listGatewayOrders(
        { session_id: sessionIds },
        { select: ["session_id", "payment_collection_id", "cart_id", "currency_code"] }
      )
    : []
  const collectionIds = [...new Set(gatewayOrders.map(({ payment_collection_id }) => payment_collection_id))]
  const { data } = collectionIds.length
    ? await container.resolve(ContainerRegistrationKeys.QUERY).graph({
        entity: "payment_collection",
        fields: ["id", "order.id"],
        filters: { id: collectionIds },
      })
    : { data: [] }
  // the fields queried above (Query returns them untyped)
  const collections: Array<{ id: string; order?: { id: string } | null }> = data
  const orderOfCollection = new Map(collections.map((collection) => [collection.id, collection.order?.id ?? null]))
  return new Map(
    gatewayOrders.map((gatewayOrder) => [
      gatewayOrder.session_id,
      {
        currency_code: gatewayOrder.currency_code,
        cart_id: gatewayOrder.cart_id,
        order_id: orderOfCollection.get(gatewayOrder.payment_collection_id) ?? null,
      },
    ])
  )
}

/**
 * `GET /admin/payment-gateways/events?provider_id&state&flagged&order_id&limit&offset`:
 * the plugin's stored gateway events, newest first, for support work.
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse) => {
  const parsed = adminGatewayEventsQuery.safeParse(req.query)
  if (!parsed.success) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`).join("; ")
    )
  }
  const { provider_id, state, flagged, order_id, limit, offset } = parsed.data
  const inbox = req.scope.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const filters = {
    ...(provider_id ? { provider_id } : {}),
    ...(state ? { state } : {}),
    ...(flagged === undefined ? {} : { flag_reason: flagged ? { $ne: null } : null }),
    ...(order_id ? { session_id: await orderSessionIds(req.scope, order_id) } : {}),
  }
  const order = { created_at: "DESC", id: "DESC" } as const
  const [events, counted] = await Promise.all([
    inbox.listGatewayEvents(filters, { order, skip: offset, take: limit }),
    inbox.listGatewayEvents(filters, { select: ["id"], order, take: EVENT_COUNT_CAP + 1 }),
  ])
  const context = await sessionContext(req.scope, [...new Set(events.flatMap(({ session_id }) => session_id ?? []))])
  const body: AdminGatewayEventsResponse = {
    events: events.map((event) => {
      const session = event.session_id ? context.get(event.session_id) : undefined
      return {
        ...adminGatewayEvent(event, session?.currency_code),
        order_id: session?.order_id ?? null,
        cart_id: session?.cart_id ?? null,
      }
    }),
    count: Math.min(counted.length, EVENT_COUNT_CAP),
    count_capped: counted.length > EVENT_COUNT_CAP,
    limit,
    offset,
  }
  res.json(body)
}
