import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { cartOfSession } from "../../../../gateway-events/paid-without-order"
import { redirectProviderRegistration } from "../../../../gateway-events/registry"
import { GATEWAY_INBOX_MODULE } from "../../../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../../../modules/gateway-inbox/service"
import type { PaidWithoutOrderAction } from "../../../../workflows/resolve-paid-without-order"

/** A payment the gateway confirmed whose cart could not become its order, with what the operator can do. */
export type AdminPaidWithoutOrder = {
  id: string
  provider_id: string
  /** The registration's name, e.g. "Romb". */
  name: string
  session_id: string
  cart_id: string
  email: string | null
  amount: string
  currency_code: string
  reason: string
  state: "open" | "resolved"
  resolution: string | null
  resolved_at: Date | string | null
  order_id: string | null
  created_at: Date | string
  /** The Medusa payment, if the gateway's word made one: captured (refund) or only authorized (release). */
  payment: { id: string; captured: boolean } | null
  /** What the operator can do now (none once resolved). */
  actions: PaidWithoutOrderAction[]
}

export type AdminPaidWithoutOrderResponse = { payments: AdminPaidWithoutOrder[] }

export const paidWithoutOrderQuery = z
  .object({
    state: z.enum(["open", "resolved"]).default("open"),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict()

/**
 * `GET /admin/payment-gateways/paid-without-order?state=open|resolved`:
 * payments the gateway confirmed whose cart could not become its order,
 * newest first, each with the actions that apply to it.
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse<AdminPaidWithoutOrderResponse>) => {
  const query = paidWithoutOrderQuery.safeParse(req.query)
  if (!query.success) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      query.error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`).join("; ")
    )
  }
  const records = await req.scope
    .resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    .listPaidWithoutOrders({ state: query.data.state }, { order: { created_at: "DESC" }, take: query.data.limit })
  const payments = await Promise.all(
    records.map(async (record): Promise<AdminPaidWithoutOrder> => {
      const provider = (await redirectProviderRegistration(req.scope, record.provider_id))?.provider
      const cart = record.state === "open" ? await cartOfSession(req.scope, record.session_id) : undefined
      const payment = cart?.payment && !cart.payment.canceled_at ? { id: cart.payment.id, captured: !!cart.payment.captured_at } : null
      const actions: PaidWithoutOrderAction[] =
        record.state !== "open"
          ? []
          : [
              "place_order",
              ...(payment?.captured ? [] : (["release_hold"] as const)),
              ...(payment?.captured && provider?.hasRefundCall ? (["refund"] as const) : []),
              "record_refund",
            ]
      return {
        id: record.id,
        provider_id: record.provider_id,
        name: provider?.displayName ?? record.provider_id,
        session_id: record.session_id,
        cart_id: record.cart_id,
        email: record.email,
        amount: record.amount,
        currency_code: record.currency_code,
        reason: record.reason,
        state: record.state,
        resolution: record.resolution,
        resolved_at: record.resolved_at,
        order_id: record.order_id,
        created_at: record.created_at,
        payment,
        actions,
      }
    })
  )
  res.json({ payments })
}
