import { MedusaError, Modules, PaymentSessionStatus } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import type { BigNumberInput, IPaymentModuleService, MedusaContainer, PaymentSessionDTO } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE } from "../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../modules/gateway-inbox/service"
import { redirectProviderRegistration } from "../../gateway-events/registry"
import { SESSION_KEYS } from "../../providers/base/session-data"
import type { StoredGatewayEvent } from "./claim-gateway-event"

/** What of a stored gateway event the session is told. */
type GatewayEventForSession = Pick<
  StoredGatewayEvent,
  "provider_id" | "session_id" | "action" | "gateway_status" | "gateway_reference" | "confirmation"
>

/** Later gateway news may move a session forward, never back. */
const RANK: Record<string, number> = { pending: 0, authorized: 1, captured: 2, failed: 2, canceled: 2 }

const SESSION_STATUS: Record<string, PaymentSessionStatus | undefined> = {
  canceled: PaymentSessionStatus.CANCELED,
  failed: PaymentSessionStatus.ERROR,
}

/**
 * Medusa no longer has the session (the cart replaced it, or something else
 * deleted it): news that it ended changes nothing, but money for it must reach
 * the operator. Its gateway order is marked dropped, so that later news is
 * flagged or ignored at intake and reconciliation stops asking about it.
 */
async function droppedSession(container: MedusaContainer, event: GatewayEventForSession) {
  await container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE).markSessionsDropped([event.session_id])
  return new StepResponse({
    applied: false,
    flag_reason: ["authorized", "captured"].includes(event.action)
      ? `gateway reported ${event.gateway_status} for payment session ${event.session_id}, which the cart no longer has`
      : undefined,
  })
}

/**
 * A status that is money only after another (the exchanger's `errorPayout`,
 * which a client can set on its own unpaid order, after `inProgressPayout`):
 * unless the gateway reported that one for this session (a stored event) or
 * the session is recorded as paid already, it is not money. It changes
 * nothing and the operator is shown why.
 */
async function unprovenPayment(container: MedusaContainer, event: GatewayEventForSession, current: string | undefined) {
  if (!["authorized", "captured"].includes(event.action) || current === "authorized" || current === "captured") return undefined
  const required = (await redirectProviderRegistration(container, event.provider_id))?.provider.paidOnlyAfter(event.gateway_status) ?? []
  if (!required.length) return undefined
  const [seen] = await container
    .resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
    .listGatewayEvents(
      // a flagged one (e.g. another amount) proves nothing
      { session_id: event.session_id, gateway_status: [...required], state: ["received", "processing", "processed", "failed"] },
      { select: ["id"], take: 1 }
    )
  if (seen) return undefined
  return `the gateway reported ${event.gateway_status}, but never ${required.join(" or ")} (payment accepted) for this payment: it is not taken as paid and the cart stays open; check the order at the gateway`
}

/**
 * Writes the sealed confirmation onto the payment session, where the
 * provider's authorizePayment finds it. Returns whether it was applied, or
 * why not (a stale or contradicting event, or money for a session the cart
 * has dropped, which the operator should see).
 */
export const recordGatewayConfirmationStep = createStep(
  "record-gateway-confirmation",
  async (event: GatewayEventForSession, { container }) => {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    // raw_amount is selected, though Medusa's session type does not declare it
    const [session]: Array<PaymentSessionDTO & { raw_amount?: BigNumberInput }> = await paymentModule.listPaymentSessions(
      { id: event.session_id },
      { select: ["id", "data", "amount", "raw_amount", "currency_code", "status"] }
    )
    if (!session) return droppedSession(container, event)
    const current = (session.data?.[SESSION_KEYS.confirmation] as { action?: string } | undefined)
      ?.action
    // a gateway repeating a pending status (a new attempt, the same word) changes nothing on the session
    if (event.action === "pending" && current === "pending" && session.data?.[SESSION_KEYS.gatewayStatus] === event.gateway_status) {
      return new StepResponse({ applied: false, flag_reason: undefined as string | undefined })
    }
    const unproven = await unprovenPayment(container, event, current)
    if (unproven) return new StepResponse({ applied: false, flag_reason: unproven as string | undefined })
    if (current && current !== event.action && (RANK[current] ?? 0) >= (RANK[event.action] ?? 0)) {
      const contradicts = RANK[current] === 2 && RANK[event.action] === 2
      return new StepResponse({
        applied: false,
        flag_reason: contradicts
          ? `gateway reported ${event.gateway_status} after the session was already ${current}`
          : undefined,
      })
    }
    const updated = await paymentModule.updatePaymentSession({
      id: session.id,
      amount: session.raw_amount ?? session.amount,
      currency_code: session.currency_code,
      data: {
        ...session.data,
        [SESSION_KEYS.gatewayStatus]: event.gateway_status,
        // a gateway whose create answer names no reference (RubitPay's documented one) names it here
        [SESSION_KEYS.gatewayReference]: session.data?.[SESSION_KEYS.gatewayReference] ?? event.gateway_reference ?? null,
        [SESSION_KEYS.confirmation]: event.confirmation,
      },
      status: SESSION_STATUS[event.action],
    }).catch((error) => {
      // deleted by the cart while this event was on its way
      if (MedusaError.isMedusaError(error) && error.type === MedusaError.Types.NOT_FOUND) return undefined
      throw error
    })
    if (!updated) return droppedSession(container, event)
    return new StepResponse({ applied: true, flag_reason: undefined as string | undefined })
  }
)
