import type { AxiosInstance } from "axios"
import type { SeededStore } from "./seed-store"

/** Store-API calls a storefront makes at checkout, with the publishable key. */
const storeHeaders = (seeded: SeededStore) => ({
  headers: { "x-publishable-api-key": seeded.publishableKey },
})

let current: SeededStore | undefined

const RUSSIAN_ADDRESS = {
  first_name: "Ivan",
  last_name: "Petrov",
  address_1: "Nevsky prospekt 28",
  city: "Saint Petersburg",
  postal_code: "191186",
  country_code: "ru",
  phone: "+79991234567",
}

export async function createCartReadyForPayment(
  api: AxiosInstance,
  seeded: SeededStore,
  input: { email: string; quantity?: number }
) {
  current = seeded
  const h = storeHeaders(seeded)
  const {
    data: { cart },
  } = await api.post(
    "/store/carts",
    {
      region_id: seeded.regionId,
      sales_channel_id: seeded.salesChannelId,
      email: input.email,
      items: [{ variant_id: seeded.variantId, quantity: input.quantity ?? 1 }],
      shipping_address: RUSSIAN_ADDRESS,
      billing_address: RUSSIAN_ADDRESS,
    },
    h
  )
  const { data } = await api.post(
    `/store/carts/${cart.id}/shipping-methods`,
    { option_id: seeded.shippingOptionId },
    h
  )
  return data.cart
}

/** Creates the cart's payment collection if needed, then a session with the provider. */
export async function createPaymentSession(
  api: AxiosInstance,
  cartId: string,
  providerId: string,
  data: Record<string, unknown> = {},
  seeded: SeededStore | undefined = current
) {
  const h = storeHeaders(seeded!)
  const {
    data: { payment_collection: collection },
  } = await api.post("/store/payment-collections", { cart_id: cartId }, h)
  const {
    data: { payment_collection: updated },
  } = await api.post(
    `/store/payment-collections/${collection.id}/payment-sessions`,
    { provider_id: providerId, data },
    h
  )
  return updated.payment_sessions.find((s: { provider_id: string }) => s.provider_id === providerId)
}

/** `POST /store/carts/:id/complete`, returning 4xx answers instead of throwing. */
export async function completeCart(
  api: AxiosInstance,
  cartId: string,
  seeded: SeededStore | undefined = current
) {
  const response = await api.post(`/store/carts/${cartId}/complete`, {}, {
    ...storeHeaders(seeded!),
    validateStatus: () => true,
  })
  return { status: response.status, body: response.data }
}

/** Polls until `probe` returns a defined value. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 250 } = {}
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  throw new Error(`Timed out after ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ""}`)
}
