import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import type { ProviderRegistration } from "../lib/reconcile"
import { ExchangerProviderService } from "./exchanger/service"
import { RombProviderService } from "./romb/service"
import { RubitPayProviderService } from "./rubitpay/service"

const PROVIDERS = {
  romb: RombProviderService,
  rubitpay: RubitPayProviderService,
  exchanger: ExchangerProviderService,
} as const

/** This app's registrations of the plugin's providers, read from the payment module's config. */
export function redirectProviderRegistrations(container: MedusaContainer): ProviderRegistration[] {
  const config = container.resolve(ContainerRegistrationKeys.CONFIG_MODULE) as any
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const modules = Array.isArray(config.modules) ? config.modules : Object.values(config.modules ?? {})
  const payment = modules.find((m: any) => m?.options?.providers)
  return (payment?.options?.providers ?? []).flatMap((registration: any) => {
    const identifier = /providers\/(romb|rubitpay|exchanger)\/?$/.exec(String(registration.resolve ?? ""))?.[1] as
      | keyof typeof PROVIDERS
      | undefined
    if (!identifier) return []
    // an exchanger without a preset is told its registration id, for its IPN URL
    const options = identifier === "exchanger" ? { id: registration.id, ...registration.options } : registration.options
    const provider = new PROVIDERS[identifier]({ logger }, options ?? {})
    const id = registration.id ?? (provider as any).options_.id ?? identifier
    return [{ providerId: `pp_${identifier}_${id}`, provider }]
  })
}

