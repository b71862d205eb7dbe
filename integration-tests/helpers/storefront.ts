import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import type { AxiosInstance } from "axios"
import type { SeededStore } from "./seed-store"

/** Store-API calls a storefront makes at checkout, with the publishable key. */
const storeHeaders = (seeded: SeededStore) => ({
  headers: { "x-publishable-api-key": seeded.publishableKey },
})

let current: SeededStore | undefined

/** The buyer's address in every test checkout. */
export const RUSSIAN_ADDRESS = {
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

/** `GET /store/carts/:id/payment-status`: what a storefront's return page polls. */
export async function paymentStatus(
  api: AxiosInstance,
  cartId: string,
  seeded: SeededStore | undefined = current
): Promise<{ status: string; order_id?: string }> {
  return (await api.get(`/store/carts/${cartId}/payment-status`, storeHeaders(seeded!))).data
}

/** Waits until the cart's payment is confirmed and its order exists; the order id. */
export function paidOrder(api: AxiosInstance, cartId: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    async () => {
      const status = await paymentStatus(api, cartId)
      return status.status === "paid" ? status.order_id : undefined
    },
    { timeoutMs }
  )
}

/** The orders made from a cart (at most one, if nothing went wrong). */
export async function ordersForCart(container: MedusaContainer, cartId: string) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "order_cart", fields: ["order_id"], filters: { cart_id: cartId } })
  return data
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
