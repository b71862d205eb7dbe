import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import type { BigNumberInput, IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { GATEWAY_INBOX_MODULE } from "../modules/gateway-inbox"
import type GatewayInboxModuleService from "../modules/gateway-inbox/service"
import { reconcileOneSession } from "./reconcile"
import { redirectProviderRegistration } from "./registry"

/** Inbox states of a verified payment that is being, or has been, turned into the order. */
const PAYING_STATES = ["received", "processing", "processed", "failed"]

/** The shopper's answer when a paid cart would change: a clear 400, and nothing changed. */
export function paidCartRefusal(cartId: string | undefined, what: string): MedusaError {
  return new MedusaError(
    MedusaError.Types.NOT_ALLOWED,
    `This cart is paid (${what}); it cannot change any more. Complete it with POST /store/carts/${cartId ?? "{id}"}/complete: the order is made for what was paid.`
  )
}

/**
 * Of these payment sessions, the one the gateway has confirmed a payment for
 * (a verified, unflagged authorized or captured event), or whose cart the
 * shop could not turn into its order after it was paid; undefined if none.
 */
export async function confirmedPaidSession(container: MedusaContainer, sessionIds: string[]) {
  if (!sessionIds.length) return undefined
  const inbox = container.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const [[paid], [withoutOrder]] = await Promise.all([
    inbox.listGatewayEvents({ session_id: sessionIds, action: ["authorized", "captured"], state: PAYING_STATES }, { take: 1 }),
    inbox.listPaidWithoutOrders({ session_id: sessionIds }, { take: 1 }),
  ])
  if (paid) return { provider_id: paid.provider_id, gateway_status: paid.gateway_status }
  return withoutOrder && { provider_id: withoutOrder.provider_id, gateway_status: "paid, no order" }
}

type DroppableSession = {
  id: string
  provider_id: string
  amount: BigNumberInput
  raw_amount?: BigNumberInput | null
  currency_code: string
  data: Record<string, unknown> | null
}

/**
 * Medusa is about to drop these payment sessions (the cart's total changes,
 * or the shopper starts another payment). A gateway session may be paid at
 * the gateway with its notification still on the way: Medusa's drop would
 * then fail half-way (500 "Could not delete all payment sessions", the
 * collection left at the new amount). So each one is settled first, before
 * anything changes: a gateway with a status call is asked (what it says is
 * recorded like a notification, so a paid cart still becomes its order), and
 * the gateway order is released as Medusa's drop would release it; a
 * gateway that refuses (paid) answers the shopper a 400. The released
 * session keeps what the provider said, so Medusa's own drop repeats nothing.
 */
export async function releaseSessionsBeforeDrop(container: MedusaContainer, cartId: string | undefined, sessionIds: string[]) {
  if (!sessionIds.length) return
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const sessions: DroppableSession[] = await paymentModule.listPaymentSessions(
    { id: sessionIds },
    { select: ["id", "provider_id", "amount", "raw_amount", "currency_code", "data", "created_at"] }
  )
  for (const session of sessions) {
    const registration = await redirectProviderRegistration(container, session.provider_id)
    if (!registration) continue
    const { provider } = registration
    const data = session.data ?? {}
    if (provider.hasStatusCall) {
      // created "now": an unpaid exchanger order is released below, not expired by reconciliation's rule
      const found = await reconcileOneSession(container, registration, { id: session.id, data, created_at: new Date() }, Date.now()).catch(
        (error) => {
          container.resolve(ContainerRegistrationKeys.LOGGER).warn(`Payment session ${session.id}: asking ${provider.displayName} failed: ${(error as Error).message}`)
          return undefined
        }
      )
      if (found && ["authorized", "captured"].includes(found.action)) {
        throw paidCartRefusal(cartId, `${session.provider_id}, status ${found.gateway_status}`)
      }
    }
    let released
    try {
      released = await provider.deletePayment({ data })
    } catch (error) {
      if (MedusaError.isMedusaError(error) && error.type === MedusaError.Types.NOT_ALLOWED) {
        throw paidCartRefusal(cartId, `${session.provider_id}: ${error.message.replace(/\.$/, "")}`)
      }
      throw error
    }
    if (released.data && released.data !== data) {
      await paymentModule.updatePaymentSession({
        id: session.id,
        amount: session.raw_amount ?? session.amount,
        currency_code: session.currency_code,
        data: released.data,
      })
    }
  }
}
