import { MedusaError, Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { RedirectPaymentProvider } from "../providers/base/redirect-provider"
import type { ProviderRegistration } from "./reconcile"

/**
 * The payment module's internal provider lookup, as in @medusajs/payment
 * 2.21 (`PaymentModuleService.paymentProviderService_.retrieveProvider`).
 * Medusa exposes no public way to reach a provider instance, and a copy built
 * here from the config would be a different instance from the one Medusa
 * calls, registered under ids we would have to guess.
 */
type PaymentProviderLookup = { retrieveProvider(providerId: string): unknown }
type WithProviderLookup = { paymentProviderService_: PaymentProviderLookup }

function hasProviderLookup(service: object): service is WithProviderLookup {
  if (!("paymentProviderService_" in service)) return false
  const lookup = service.paymentProviderService_
  return typeof lookup === "object" && lookup !== null && "retrieveProvider" in lookup && typeof lookup.retrieveProvider === "function"
}

function providerLookup(container: MedusaContainer): { paymentModule: IPaymentModuleService; lookup: PaymentProviderLookup } {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  if (!hasProviderLookup(paymentModule)) {
    // fail loudly on a Medusa upgrade that changes the internals, rather than reconcile nothing
    throw new MedusaError(
      MedusaError.Types.UNEXPECTED_STATE,
      "medusa-plugin-redirect-payments: the payment module has no paymentProviderService_.retrieveProvider; " +
        "the plugin assumes the internals of @medusajs/payment 2.21 and needs an update for this Medusa version."
    )
  }
  return { paymentModule, lookup: paymentModule.paymentProviderService_ }
}

function asRegistration(lookup: PaymentProviderLookup, providerId: string): ProviderRegistration | undefined {
  let provider: unknown
  try {
    provider = lookup.retrieveProvider(providerId)
  } catch {
    // Medusa 2.21 leaves a provider removed from the config enabled in its table, with no
    // instance behind it (it logs that itself): nothing to reconcile there, the others still are
    return undefined
  }
  return provider instanceof RedirectPaymentProvider ? { providerId, provider } : undefined
}

/**
 * This app's registrations of the plugin's providers: the instances Medusa
 * itself constructed and registered in the payment module, whatever the
 * order of the config's modules and however each `resolve` is spelled.
 */
export async function redirectProviderRegistrations(container: MedusaContainer): Promise<ProviderRegistration[]> {
  const { paymentModule, lookup } = providerLookup(container)
  const enabled = await paymentModule.listPaymentProviders({ is_enabled: true })
  return enabled.flatMap(({ id }) => asRegistration(lookup, id) ?? [])
}

/** One registration by provider id (e.g. a session's), without listing the others; undefined if it is not the plugin's. */
export function redirectProviderRegistration(container: MedusaContainer, providerId: string): ProviderRegistration | undefined {
  return asRegistration(providerLookup(container).lookup, providerId)
}
