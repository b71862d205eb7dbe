import { Modules, PaymentSessionStatus } from "@medusajs/framework/utils"
import { createStep, StepResponse } from "@medusajs/framework/workflows-sdk"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import { SESSION_KEYS } from "../../lib/session-data"

export type GatewayEventForSession = {
  session_id: string
  action: string
  gateway_status: string
  confirmation: Record<string, unknown>
}

/** Later gateway news may move a session forward, never back. */
const RANK: Record<string, number> = { pending: 0, authorized: 1, captured: 2, failed: 2, canceled: 2 }

const SESSION_STATUS: Record<string, PaymentSessionStatus | undefined> = {
  canceled: PaymentSessionStatus.CANCELED,
  failed: PaymentSessionStatus.ERROR,
}

/**
 * Writes the sealed confirmation onto the payment session, where the
 * provider's authorizePayment finds it. Returns whether it was applied, or
 * why not (a stale or contradicting event, which the operator should see).
 */
export const recordGatewayConfirmationStep = createStep(
  "record-gateway-confirmation",
  async (event: GatewayEventForSession, { container }) => {
    const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
    const session = await paymentModule.retrievePaymentSession(event.session_id, {
      select: ["id", "data", "amount", "raw_amount", "currency_code", "status"],
    })
    const current = (session.data?.[SESSION_KEYS.confirmation] as { action?: string } | undefined)
      ?.action
    if (current && current !== event.action && (RANK[current] ?? 0) >= (RANK[event.action] ?? 0)) {
      const contradicts = RANK[current] === 2 && RANK[event.action] === 2
      return new StepResponse({
        applied: false,
        flag_reason: contradicts
          ? `gateway reported ${event.gateway_status} after the session was already ${current}`
          : undefined,
      })
    }
    await paymentModule.updatePaymentSession({
      id: session.id,
      amount: (session as any).raw_amount ?? session.amount,
      currency_code: session.currency_code,
      data: {
        ...session.data,
        [SESSION_KEYS.gatewayStatus]: event.gateway_status,
        [SESSION_KEYS.confirmation]: event.confirmation,
      },
      status: SESSION_STATUS[event.action],
    } as any)
    return new StepResponse({ applied: true, flag_reason: undefined as string | undefined })
  }
)
