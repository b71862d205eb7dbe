import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import type { IPaymentModuleService } from "@medusajs/framework/types"
import path from "node:path"
import { reconcilePendingPayments } from "../../src/jobs/reconcile-pending-payments"
import { warnExpiringHolds } from "../../src/jobs/warn-expiring-holds"
import { RedirectPaymentProvider } from "../../src/providers/base/redirect-provider"
import { redirectProviderRegistrations } from "../../src/gateway-events/registry"

/**
 * The plugin's jobs and admin sync work on the provider instances Medusa
 * registered in the payment module. The test app (medusa-config.ts) lists
 * file, notification and fulfillment modules with providers before the
 * payment module, and spells Romb's `resolve` as an absolute file path.
 * (The admin sync route on an order: exchanger.spec.ts, rubitpay.spec.ts.)
 */
jest.setTimeout(180_000)

const PLUGIN_PROVIDERS = [
  "pp_exchanger_obmin",
  "pp_exchanger_pocketbank",
  "pp_exchanger_uah_only",
  "pp_romb_romb",
  "pp_rubitpay_hold",
  "pp_rubitpay_rubitpay",
]

medusaIntegrationTestRunner({
  cwd: path.join(__dirname, "../.."),
  inApp: true,
  testSuite: ({ getContainer, dbConnection }) => {
    it("finds every registration of the plugin's providers in the config, and nothing else", async () => {
      const registrations = await redirectProviderRegistrations(getContainer())
      expect(registrations.map((r) => r.providerId).sort()).toEqual(PLUGIN_PROVIDERS)
      for (const { provider } of registrations) expect(provider).toBeInstanceOf(RedirectPaymentProvider)
      // Medusa's own provider is enabled too, and left out
      const payment = getContainer().resolve<IPaymentModuleService>(Modules.PAYMENT)
      const enabled = (await payment.listPaymentProviders({ is_enabled: true })).map((p) => p.id)
      expect(enabled).toEqual(expect.arrayContaining([...PLUGIN_PROVIDERS, "pp_system_default"]))
    })

    it("skips a provider still enabled in Medusa's table after its removal from the config", async () => {
      // Medusa keeps such a row enabled; it has no instance, and must not stop the others' reconciliation
      await dbConnection.raw("insert into payment_provider (id, is_enabled) values ('pp_romb_removed', true)")
      try {
        const registrations = await redirectProviderRegistrations(getContainer())
        expect(registrations.map((r) => r.providerId).sort()).toEqual(PLUGIN_PROVIDERS)
      } finally {
        await dbConnection.raw("delete from payment_provider where id = 'pp_romb_removed'")
      }
    })

    it("returns the very instances the payment module calls, the same on every call", async () => {
      const container = getContainer()
      const payment = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
      const registrations = await redirectProviderRegistrations(container)
      const again = await redirectProviderRegistrations(container)
      for (const { providerId, provider } of registrations) {
        expect(again.find((r) => r.providerId === providerId)?.provider).toBe(provider)
        // the payment module routes a webhook to the provider it registered: a spy on ours sees the call
        const marker = { action: "not_supported" as const }
        const spy = jest.spyOn(provider, "getWebhookActionAndData").mockResolvedValue(marker)
        try {
          const payload = { data: { probe: providerId }, rawData: "", headers: {} }
          await expect(payment.getWebhookActionAndData({ provider: providerId, payload })).resolves.toBe(marker)
          expect(spy).toHaveBeenCalledTimes(1)
          expect(spy).toHaveBeenCalledWith(payload)
        } finally {
          spy.mockRestore()
        }
      }
    })

    it("runs the jobs over those registrations (nothing open: nothing recorded, nothing warned)", async () => {
      expect(await reconcilePendingPayments(getContainer())).toEqual([])
      expect(await warnExpiringHolds(getContainer())).toEqual([])
    })
  },
})
