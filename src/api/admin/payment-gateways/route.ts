import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { z } from "zod"
import { redirectProviderRegistrations } from "../../../gateway-events/registry"
import { GATEWAY_INBOX_MODULE } from "../../../modules/gateway-inbox"
import type GatewayInboxModuleService from "../../../modules/gateway-inbox/service"
import type { GatewayInboxStats } from "../../../modules/gateway-inbox/service"
import type { RedirectPaymentProvider } from "../../../providers/base/redirect-provider"

/** The window of the recent counts (flagged events, refused webhooks). */
const RECENT_HOURS = 24

type GatewayKey = RedirectPaymentProvider<Record<string, unknown>>["gatewayKey"]

/**
 * Gateways told the notification URL with each order (the exchanger's
 * `ipnUrl`): there is nothing to set in their dashboard.
 */
const WEBHOOK_URL_SENT_WITH_EACH_ORDER: ReadonlySet<GatewayKey> = new Set<GatewayKey>(["exchanger"])

/** One registration of the plugin's providers, with its inbox at a glance. */
export type AdminPaymentGateway = Omit<GatewayInboxStats, "last_notification" | "last_refused_at"> & {
  provider_id: string
  /** The registration's name, e.g. "RubitPay (two-step)". */
  name: string
  gateway: GatewayKey
  /** Whether the gateway can be asked about a payment (reconciliation, "Sync with gateway"). */
  has_status_call: boolean
  /** What to enter as the notification URL in the gateway's dashboard; null when the plugin sends it with each order. */
  webhook_url: string | null
  last_notification: { event_id: string; gateway_status: string; received_at: Date | string } | null
  last_refused_at: Date | string | null
}

export type AdminPaymentGatewaysResponse = {
  gateways: AdminPaymentGateway[]
  /** Where `flagged` and `refused` start counting (the start of the hour, 24 hours back). */
  recent_since: Date | string
}

const httpUrl = z.url({ protocol: /^https?$/ })

/**
 * This backend's public address: `admin.backendUrl` (Medusa fills it from
 * MEDUSA_BACKEND_URL) when it is absolute, else the address the admin used.
 */
function backendUrl(req: MedusaRequest): string {
  const configured = httpUrl.safeParse(req.scope.resolve(ContainerRegistrationKeys.CONFIG_MODULE).admin?.backendUrl)
  return (configured.success ? configured.data : `${req.protocol}://${req.get("host")}`).replace(/\/+$/, "")
}

/** `pp_romb_romb` -> `{backend}/hooks/payment-gateways/romb_romb`, the plugin's webhook route. */
function webhookUrl(backend: string, providerId: string): string {
  return `${backend}/hooks/payment-gateways/${providerId.replace(/^pp_/, "")}`
}

/**
 * `GET /admin/payment-gateways`: each configured registration of the
 * plugin's providers (name, gateway, the webhook URL to configure), with the
 * latest notification, the events awaiting processing, and the events
 * flagged and webhooks refused in the last 24 hours.
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse) => {
  const registrations = await redirectProviderRegistrations(req.scope)
  const since = new Date(Date.now() - (RECENT_HOURS - 1) * 3600_000)
  since.setUTCMinutes(0, 0, 0)
  const inbox = req.scope.resolve<GatewayInboxModuleService>(GATEWAY_INBOX_MODULE)
  const stats = await inbox.gatewayInboxStats(
    registrations.map(({ providerId }) => providerId),
    since
  )
  const backend = backendUrl(req)
  const body: AdminPaymentGatewaysResponse = {
    gateways: registrations.map(({ providerId, provider }, index) => ({
      ...stats[index],
      provider_id: providerId,
      name: provider.displayName,
      gateway: provider.gatewayKey,
      has_status_call: provider.hasStatusCall,
      webhook_url: WEBHOOK_URL_SENT_WITH_EACH_ORDER.has(provider.gatewayKey) ? null : webhookUrl(backend, providerId),
    })),
    recent_since: since,
  }
  res.json(body)
}
