import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { buildGatewayEvent } from "../lib/redirect-provider"
import { SESSION_KEYS } from "../lib/session-data"
import { recordVerifiedGatewayEvent } from "../lib/webhook-inbox"
import { ExchangerClient } from "../providers/exchanger/client"
import { ExchangerOptions } from "../providers/exchanger/schemas"
import { ORDER_SECRET_KEY, parseExchangerOptions } from "../providers/exchanger/service"
import { exchangerEventInput } from "../providers/exchanger/status"

const BATCH_SIZE = 50
const PAGE_SIZE = 100
const MAX_PAGES = 20
const CONCURRENCY = 4
const STILL_UNPAID = ["new", "waitPayment"]

type Registration = { providerId: string; options: ExchangerOptions }

/** The exchanger registrations of this app, read from the payment module's config. */
export function exchangerRegistrations(container: MedusaContainer): Registration[] {
  const config = container.resolve(ContainerRegistrationKeys.CONFIG_MODULE) as any
  const modules = Array.isArray(config.modules) ? config.modules : Object.values(config.modules ?? {})
  const payment = modules.find((m: any) => m?.options?.providers)
  return (payment?.options?.providers ?? [])
    .filter((p: any) => typeof p.resolve === "string" && /providers\/exchanger\/?$/.test(p.resolve))
    .map((p: any) => {
      const options = parseExchangerOptions({ id: p.id, ...p.options })
      return { providerId: `pp_exchanger_${p.id ?? options.id}`, options }
    })
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(work))
  }
}

/**
 * The exchanger sends its IPN once and does not guarantee it. This asks
 * `order/get` for every exchanger session still pending (or authorized but
 * not captured) after `reconcileAfterSeconds`, and records what it learns
 * exactly as a verified IPN would: same inbox, same event keys, same
 * processing. Orders unpaid past `orderLifetimeMinutes` are deleted at the
 * exchanger and their sessions marked expired.
 * Bounded per run; safe on several instances (the inbox is unique per event).
 */
export async function reconcileExchangerPayments(container: MedusaContainer, now = Date.now()) {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const recorded: string[] = []
  for (const { providerId, options } of exchangerRegistrations(container)) {
    const client = new ExchangerClient(options)
    const cutoff = new Date(now - options.reconcileAfterSeconds * 1000).toISOString()
    // status is a column of payment_session even though the DTO filter type omits it
    const filters = { provider_id: providerId, status: ["pending", "authorized"], created_at: { $lte: cutoff } }
    // authorized sessions keep that status after capture: page past them, boundedly
    const due: Awaited<ReturnType<IPaymentModuleService["listPaymentSessions"]>> = []
    for (let page = 0; page < MAX_PAGES && due.length < BATCH_SIZE; page++) {
      const sessions = await paymentModule.listPaymentSessions(
        filters as Parameters<IPaymentModuleService["listPaymentSessions"]>[0],
        { relations: ["payment"], order: { created_at: "ASC" }, skip: page * PAGE_SIZE, take: PAGE_SIZE }
      )
      due.push(...sessions.filter((s) => !(s as any).payment?.captured_at && s.data?.[SESSION_KEYS.gatewayReference]))
      if (sessions.length < PAGE_SIZE) break
    }
    due.splice(BATCH_SIZE)
    await inBatches(due, CONCURRENCY, async (session) => {
      const data = session.data as Record<string, any>
      try {
        const order = await client.getOrder(data[SESSION_KEYS.gatewayReference], data[ORDER_SECRET_KEY])
        const expired =
          STILL_UNPAID.includes(order.status) &&
          now - new Date(session.created_at as any).getTime() > options.orderLifetimeMinutes * 60_000
        if (!expired && order.status === data[SESSION_KEYS.gatewayStatus]) {
          return
        }
        // an expired order is deleted at the exchanger first, so it can no longer be paid;
        // if the engine refuses (the customer just paid), the next run sees the new status
        if (expired) await client.updateOrderStatus(order.uid, data[ORDER_SECRET_KEY], "deleted")
        const event = exchangerEventInput(session.id, {
          orderId: order._id ?? order.uid,
          uid: order.uid,
          status: order.status,
          inAmount: order.inAmount ?? data[SESSION_KEYS.gatewayAmount],
        })
        const result = buildGatewayEvent(
          options.ipnSecret,
          expired ? { ...event, action: "canceled", gatewayStatus: "expired", eventKey: `${event.eventKey}:expired` } : event
        )
        const outcome = await recordVerifiedGatewayEvent(container, providerId, result, {
          source: "reconciliation",
          orderUID: order.uid,
          status: order.status,
        })
        if (outcome.event_id && !outcome.duplicate) recorded.push(outcome.event_id)
      } catch (error) {
        logger.warn(`Reconciliation of ${providerId} session ${session.id} failed: ${(error as Error).message}`)
      }
    })
  }
  return recorded
}

export default async function reconcileExchangerPaymentsJob(container: MedusaContainer) {
  await reconcileExchangerPayments(container)
}

export const config = {
  name: "redirect-payments-reconcile-exchanger-payments",
  schedule: "* * * * *",
}
