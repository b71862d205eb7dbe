import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { MedusaError, PaymentWebhookEvents } from "@medusajs/framework/utils"
import type { ProviderWebhookPayload } from "@medusajs/framework/types"
import { isWebhookRefusal, paymentProviderId, receiveGatewayWebhook } from "../gateway-events/inbox"
import { redirectProviderRegistration } from "../gateway-events/registry"

/**
 * Medusa's built-in `/hooks/payment/:provider` acknowledges first and emits
 * this event. Its own subscriber gets `not_supported` from the plugin's
 * providers and does nothing; this one takes the same verified path as the
 * plugin's route (one parse, signature, formats, session, inbox), so a
 * merchant who configured either URL gets the same result. A forged or
 * malformed body was already answered 200 by Medusa: it is counted, logged
 * in summary by the intake and dropped, never retried; news for a session
 * that does not exist is logged; a storage failure is thrown so the event
 * bus retries.
 */
export default async function receiveMedusaPaymentWebhook({
  event,
  container,
}: SubscriberArgs<ProviderWebhookPayload>) {
  const providerId = paymentProviderId(event.data.provider)
  // another provider's webhook (found in memory: no provider listing per webhook)
  if (!(await redirectProviderRegistration(container, providerId))) return
  try {
    await receiveGatewayWebhook(container, providerId, event.data.payload)
  } catch (error) {
    if (isWebhookRefusal(error)) return
    if (MedusaError.isMedusaError(error) && error.type === MedusaError.Types.NOT_FOUND) {
      container.resolve("logger").warn(`Refused a webhook for ${providerId} on /hooks/payment: ${error.message}`)
      return
    }
    throw error
  }
}

export const config: SubscriberConfig = {
  event: PaymentWebhookEvents.WebhookReceived,
  context: { subscriberId: "redirect-payments-receive-medusa-payment-webhook" },
}
