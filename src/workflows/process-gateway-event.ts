import {
  createWorkflow,
  transform,
  when,
  WorkflowResponse,
} from "@medusajs/framework/workflows-sdk"
import { cancelPaymentEndedAtGatewayStep } from "./steps/cancel-payment-ended-at-gateway"
import { claimGatewayEventStep } from "./steps/claim-gateway-event"
import { ensureOrderForSessionStep } from "./steps/ensure-order-for-session"
import { processPaymentLockedStep } from "./steps/process-payment-locked"
import { recordGatewayConfirmationStep } from "./steps/record-gateway-confirmation"
import { recordPaidWithoutOrderStep } from "./steps/record-paid-without-order"
import { prepareGatewayRefundStep } from "./steps/prepare-gateway-refund"
import { settleGatewayEventStep } from "./steps/settle-gateway-event"

export const processGatewayEventWorkflowId = "process-gateway-event"

/**
 * Processes one stored gateway event: records the gateway's word on the
 * payment session, then lets Medusa's own processPaymentWorkflow authorize or
 * capture the payment and complete the cart under the cart lock (run on its
 * own: as a sub-workflow it would not take the lock). Runs at most
 * once at a time per event (the claim), and is safe to re-run after a failure.
 */
export const processGatewayEventWorkflow = createWorkflow(
  processGatewayEventWorkflowId,
  (input: { event_id: string }) => {
    const event = claimGatewayEventStep(input)

    const recorded = when(
      "gateway-event-claimed",
      { event },
      ({ event }) => !!event && event.action !== "refunded"
    ).then(() =>
      recordGatewayConfirmationStep(
        transform({ event }, ({ event }) => ({
          provider_id: event!.provider_id,
          session_id: event!.session_id,
          action: event!.action,
          gateway_status: event!.gateway_status,
          gateway_reference: event!.gateway_reference,
          confirmation: event!.confirmation,
        }))
      )
    )

    const placed = when(
      "gateway-event-moves-money",
      { event, recorded },
      ({ event, recorded }) =>
        !!event && !!recorded?.applied && ["authorized", "captured"].includes(event.action)
    ).then(() => {
      processPaymentLockedStep(
        transform({ event }, ({ event }) => ({
          action: event!.action as "authorized" | "captured",
          data: { session_id: event!.session_id, amount: event!.amount },
        }))
      )
      return ensureOrderForSessionStep(
        transform({ event }, ({ event }) => ({ session_id: event!.session_id }))
      )
    })

    // money without an order, for a reason retrying will not fix: the operator is told now
    const unplaced = when("paid-cart-refused", { event, placed }, ({ event, placed }) => !!event && !!placed?.refused).then(() =>
      recordPaidWithoutOrderStep(
        transform({ event, placed }, ({ event, placed }) => ({
          event_id: event!.id,
          session_id: event!.session_id,
          reason: placed!.refused!,
        }))
      )
    )

    // after the order exists, a gateway ending also ends the Medusa payment
    const ended = when(
      "gateway-event-ends-payment",
      { event, recorded },
      ({ event, recorded }) => !!event && !!recorded?.applied && ["failed", "canceled"].includes(event.action)
    ).then(() =>
      cancelPaymentEndedAtGatewayStep(
        transform({ event }, ({ event }) => ({
          session_id: event!.session_id,
          provider_id: event!.provider_id,
          gateway_status: event!.gateway_status,
          confirmation: event!.confirmation,
        }))
      )
    )

    when(
      "gateway-event-refunds",
      { event },
      ({ event }) => !!event && event.action === "refunded"
    ).then(() =>
      prepareGatewayRefundStep(
        transform({ event }, ({ event }) => ({
          session_id: event!.session_id,
          confirmation: event!.confirmation,
        }))
      )
    )

    when("gateway-event-settle", { event }, ({ event }) => !!event).then(() =>
      settleGatewayEventStep(
        transform({ event, recorded, ended, unplaced }, ({ event, recorded, ended, unplaced }) => ({
          event_id: event!.id,
          state: recorded?.flag_reason || unplaced
            ? ("flagged" as const)
            : recorded?.applied || event!.action === "refunded"
              ? ("processed" as const)
              : ("ignored" as const),
          flag_reason: recorded?.flag_reason ?? unplaced ?? ended ?? undefined,
        }))
      )
    )

    return new WorkflowResponse(event)
  }
)
