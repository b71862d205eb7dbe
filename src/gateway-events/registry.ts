import { MedusaError, Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { PROVIDER_PROBE_FIELD, ProviderProbe } from "../providers/base/redirect-provider"
import type { ProviderRegistration } from "./reconcile"

/** The static identifiers of the plugin's provider classes: Medusa registers them as `pp_<identifier>_<id>`. */
const PLUGIN_IDENTIFIERS = ["romb", "rubitpay", "exchanger"]

const isPluginProviderId = (providerId: string) => PLUGIN_IDENTIFIERS.some((identifier) => providerId.startsWith(`pp_${identifier}_`))

/**
 * What each payment module instance (one per app) answered per provider id.
 * Registrations are fixed for the life of the process (they come from the
 * config at boot), so each id is asked once.
 */
const answers = new WeakMap<IPaymentModuleService, Map<string, Promise<ProviderRegistration | undefined>>>()

/**
 * Asks the payment module, through its public `getWebhookActionAndData`, for
 * the instance it registered under the id (see ProviderProbe). An id the
 * module has no instance for (removed from the config, yet still enabled in
 * Medusa's table) throws there: nothing to reconcile, the others still are.
 */
async function probeProvider(paymentModule: IPaymentModuleService, providerId: string): Promise<ProviderRegistration | undefined> {
  if (!isPluginProviderId(providerId)) return undefined
  const probe = new ProviderProbe()
  let reached = true
  try {
    await paymentModule.getWebhookActionAndData({
      // without the prefix: Medusa before 2.21 always adds "pp_" to it
      provider: providerId.slice("pp_".length),
      payload: { data: { [PROVIDER_PROBE_FIELD]: probe }, rawData: "", headers: {} },
    })
  } catch {
    reached = false
  }
  if (probe.answeredBy) return { providerId, provider: probe.answeredBy }
  if (reached) {
    // the module answered without handing our payload to the instance: a Medusa that changed its contract
    throw new MedusaError(
      MedusaError.Types.UNEXPECTED_STATE,
      `medusa-plugin-redirect-payments: Medusa's payment module answered getWebhookActionAndData for ${providerId} ` +
        "without passing the payload to the provider; this Medusa version is not supported by this plugin version."
    )
  }
  return undefined
}

function registrationOf(container: MedusaContainer, providerId: string): Promise<ProviderRegistration | undefined> {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  let known = answers.get(paymentModule)
  if (!known) answers.set(paymentModule, (known = new Map()))
  let answer = known.get(providerId)
  if (!answer) {
    answer = probeProvider(paymentModule, providerId)
    known.set(providerId, answer)
    // an unexpected failure is not remembered: the next call asks again
    answer.catch(() => known.delete(providerId))
  }
  return answer
}

/**
 * This app's registrations of the plugin's providers: the instances Medusa
 * itself constructed and registered in the payment module, whatever the
 * order of the config's modules and however each `resolve` is spelled.
 */
export async function redirectProviderRegistrations(container: MedusaContainer): Promise<ProviderRegistration[]> {
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const enabled = await paymentModule.listPaymentProviders({ is_enabled: true })
  const registrations = await Promise.all(enabled.map(({ id }) => registrationOf(container, id)))
  return registrations.filter((registration): registration is ProviderRegistration => registration !== undefined)
}

/** One registration by provider id (e.g. a session's), without listing the others; undefined if it is not the plugin's. */
export function redirectProviderRegistration(container: MedusaContainer, providerId: string): Promise<ProviderRegistration | undefined> {
  return registrationOf(container, providerId)
}
