import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import type { AxiosInstance } from "axios"
import path from "node:path"
import { seedStore, SeededStore } from "./seed-store"
import { createCartReadyForPayment, createPaymentSession } from "./storefront"

/** What a suite gets from `redirectSuite`. */
export type RedirectSuite = {
  api: AxiosInstance
  getContainer: () => MedusaContainer
  /** The store seeded for the suite (ready from the suite's own hooks on). */
  seeded: () => SeededStore
  /** A Store API request's options: the seeded store's publishable key. */
  store: () => { headers: { "x-publishable-api-key": string } }
  /** A checkout up to its payment: a cart ready for payment (buyer@example.com) and a session with `providerId`. */
  startPayment: (
    providerId: string,
    data?: Record<string, unknown>
  ) => Promise<{
    cart: Awaited<ReturnType<typeof createCartReadyForPayment>>
    session: Awaited<ReturnType<typeof createPaymentSession>>
  }>
}

/**
 * `medusaIntegrationTestRunner` as the plugin's suites run it (in-process,
 * from the repository root), on a store that can sell with
 * `paymentProviderIds`, seeded once before the suite's own hooks run.
 */
export function redirectSuite({ paymentProviderIds, testSuite }: { paymentProviderIds: string[]; testSuite: (suite: RedirectSuite) => void }) {
  medusaIntegrationTestRunner({
    cwd: path.join(__dirname, "../.."),
    inApp: true,
    testSuite: ({ api, getContainer }) => {
      let seededStore: SeededStore | undefined
      // declared first: jest runs it before the beforeAll hooks the suite declares
      beforeAll(async () => {
        seededStore = await seedStore(getContainer(), { paymentProviderIds })
      })
      const seeded = () => {
        if (!seededStore) throw new Error("the store is seeded in beforeAll: read it from a hook or a test")
        return seededStore
      }
      testSuite({
        api,
        getContainer,
        seeded,
        store: () => ({ headers: { "x-publishable-api-key": seeded().publishableKey } }),
        async startPayment(providerId, data = {}) {
          const cart = await createCartReadyForPayment(api, seeded(), { email: "buyer@example.com" })
          const session = await createPaymentSession(api, cart.id, providerId, data)
          return { cart, session }
        },
      })
    },
  })
}
