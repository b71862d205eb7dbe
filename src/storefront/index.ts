/**
 * The storefront kit: what a checkout needs to pay through the plugin's
 * gateways, with no framework and no server code (it runs in the browser).
 * `medusa-plugin-redirect-payments/storefront`; the demo storefront uses it.
 */

export type GatewayKey = "romb" | "rubitpay" | "exchanger"

/** Session data a storefront may send for Romb (`pp_romb_*`); anything else is refused. */
export type RombSessionData = {
  email?: string
  /** e.g. `+79991234567` */
  phone?: string
  description?: string
}

/** Session data a storefront may send for RubitPay (`pp_rubitpay_*`). */
export type RubitPaySessionData = {
  /** One of the registration's `payways`. */
  payway?: string
  email?: string
  /** Where RubitPay sends the customer back (success and failure); its host must be in `allowedReturnHosts`. */
  return_url?: string
  /** Fills `{cart_id}` in the registration's `successUrl`/`failUrl`. */
  cart_id?: string
  /** Written by the plugin (the collection in the path, its order): fill `{payment_collection_id}` and `{order_id}`; a value sent is replaced. */
  payment_collection_id?: string
  order_id?: string
  description?: string
  /** The extra fields RubitPay's `invoice/try` asks for (`add_ons_config`). */
  add_ons?: Record<string, string>
}

/** Session data a storefront may send for an exchanger (`pp_exchanger_*`). */
export type ExchangerSessionData = {
  /** The customer's side of the exchange (e.g. `{ card: "4111…" }`): only the route's `customerFromKeys`. Kept masked. */
  from_values?: Record<string, string>
  /** Where the exchanger sends the customer back (`?status=success|error` is added); host in `allowedReturnHosts`. */
  return_url?: string
  /** Fills `{cart_id}` in the registration's `clientCallbackUrl`. */
  cart_id?: string
  /** Written by the plugin, as for RubitPay. */
  payment_collection_id?: string
  order_id?: string
}

export type RedirectSessionData = RombSessionData | RubitPaySessionData | ExchangerSessionData

/** What the plugin writes into `payment_session.data` (public), the same keys for every gateway. */
export type RedirectPaymentSessionData = {
  gateway: GatewayKey
  /** The gateway's payment page: send the customer here. Missing while the gateway has not opened one. */
  redirect_url?: string
  gateway_reference?: string
  gateway_status?: string
  gateway_amount?: string
  currency_code?: string
}

/** `GET /store/payment-gateways`. */
export type StorePaymentGateway = {
  /** The Medusa payment provider id, e.g. `pp_rubitpay_hold`. */
  provider_id: string
  gateway: GatewayKey
  /** The registration's name for customers, e.g. "RubitPay (two-step)". */
  name: string
}
export type StorePaymentGatewaysResponse = { payment_gateways: StorePaymentGateway[] }

/**
 * `paid_no_order`: the gateway confirmed the payment, but the shop could not
 * place the order (e.g. the last item sold out meanwhile); the shop has been
 * told and contacts the customer. Added in 0.2: a client that does not know
 * it keeps polling and shows `message`, which is true.
 */
export type CartPaymentStatus = "pending" | "paid" | "failed" | "canceled" | "paid_no_order"

/** `GET /store/carts/:id/payment-status`. */
export type StoreCartPaymentStatusResponse = {
  status: CartPaymentStatus
  /** One sentence for the customer, naming the gateway. */
  message: string
  order_id?: string
  display_id?: number
  provider_id?: string
  /** The registration's name, e.g. "RubitPay (two-step)". */
  name?: string
  /** The gateway's last verified word, in its own vocabulary. */
  gateway_status?: string
  /** The gateway has confirmed the payment (the order may still be on its way). */
  confirmed?: boolean
}

/**
 * `GET /store/payment-collections/:id/payment-status`: the payment link's
 * page. The same statuses as a cart's (`paid` once Medusa marks the
 * collection authorized or completed, `canceled` also when the shop canceled
 * it), about this collection only: never the order's customer.
 */
export type StorePaymentCollectionPaymentStatusResponse = Omit<StoreCartPaymentStatusResponse, "order_id"> & {
  payment_collection_id: string
  /** What is due, in the currency's main unit (e.g. 300.5). */
  amount: number
  currency_code: string
}

const GATEWAY_KEYS: readonly GatewayKey[] = ["romb", "rubitpay", "exchanger"]

/** The plugin's gateway behind a Medusa provider id (`pp_{gateway}_{id}`), or undefined for another provider. */
export function gatewayOf(providerId: string): GatewayKey | undefined {
  const match = /^pp_([a-z]+)_.+$/.exec(providerId)
  return GATEWAY_KEYS.find((key) => key === match?.[1])
}

/** What a checkout (or a payment link's page) knows about the customer and the cart; each gateway takes its part. */
export type CheckoutDetails = {
  /** The cart being paid; a payment link pays a collection and has none. */
  cartId?: string
  email?: string
  phone?: string
  /** The shop's return page for this cart (RubitPay, exchangers; Romb's is set in its dashboard). */
  returnUrl?: string
  description?: string
  /** RubitPay */
  payway?: string
  /** RubitPay: the fields `invoice/try` asked for. */
  addOns?: Record<string, string>
  /** Exchangers: the customer's side of the exchange. */
  fromValues?: Record<string, string>
}

function defined<T extends Record<string, unknown>>(data: T): T {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined)) as T
}

/**
 * The `data` for `POST /store/payment-collections/:id/payment-sessions`
 * (`sdk.store.payment.initiatePaymentSession(cart, { provider_id, data })`):
 * exactly the keys the provider accepts, since it refuses any other.
 */
export function paymentSessionData(providerId: string, details: CheckoutDetails): RedirectSessionData {
  switch (gatewayOf(providerId)) {
    case "romb":
      return defined<RombSessionData>({ email: details.email, phone: details.phone, description: details.description })
    case "rubitpay":
      return defined<RubitPaySessionData>({
        payway: details.payway,
        email: details.email,
        return_url: details.returnUrl,
        cart_id: details.cartId,
        description: details.description,
        add_ons: details.addOns,
      })
    case "exchanger":
      return defined<ExchangerSessionData>({ from_values: details.fromValues, return_url: details.returnUrl, cart_id: details.cartId })
    default:
      throw new Error(`${providerId} is not a payment provider of medusa-plugin-redirect-payments.`)
  }
}

type SessionLike = { provider_id: string; data?: Record<string, unknown> | null; created_at?: string | Date | null }

/** The gateway's payment page of the collection's latest session with this provider. */
export function paymentPageUrl(
  collection: { payment_sessions?: SessionLike[] | null },
  providerId: string
): string {
  const sessions = (collection.payment_sessions ?? []).filter((session) => session.provider_id === providerId)
  const latest = sessions.sort((a, b) => new Date(b.created_at ?? 0).getTime() - new Date(a.created_at ?? 0).getTime())[0]
  const url = latest?.data?.redirect_url
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) {
    throw new Error(
      latest
        ? "The payment provider has not opened a payment page for this cart yet; try again in a moment."
        : `The cart has no payment session with ${providerId}.`
    )
  }
  return url
}

/** Sends the customer to the gateway's payment page (see `paymentPageUrl`). */
export function redirectToPayment(
  collection: { payment_sessions?: SessionLike[] | null },
  providerId: string,
  location: Pick<Location, "assign"> = window.location
): void {
  location.assign(paymentPageUrl(collection, providerId))
}

/** The part of `@medusajs/js-sdk`'s `Medusa` instance the kit uses (its client carries the publishable key). */
export type StoreClient = {
  client: { fetch<T>(input: string, init?: { method?: string; body?: Record<string, unknown> }): Promise<T> }
}

export type PaymentOutcome =
  | { status: "paid"; orderId: string; displayId?: number; message: string }
  | { status: "failed" | "canceled"; message: string; name?: string }
  /** Paid, but the shop could not place the order: show `message` (the shop will contact the customer); do not offer to pay again. */
  | { status: "paid_no_order"; message: string; name?: string }
  | { status: "timeout"; message: string }

/** A payment link's outcome: as a cart's, `paid` without an order id (the order exists already). */
export type PaymentLinkOutcome =
  | { status: "paid"; displayId?: number; message: string }
  | Exclude<PaymentOutcome, { status: "paid" }>

/** `A`: the status route's answer (a cart's, or a payment collection's for `waitForPaymentCollection`). */
export type WaitForPaymentOptions<A = StoreCartPaymentStatusResponse> = {
  /** Give up after this long (default 10 minutes); the payment may still be confirmed later. */
  timeoutMs?: number
  /** First poll delay (default 1 s), growing ×1.5 up to `maxDelayMs` (default 5 s). */
  initialDelayMs?: number
  maxDelayMs?: number
  /** Every answer, e.g. to show `message` while pending. */
  onUpdate?: (status: A) => void
  signal?: AbortSignal
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener("abort", () => {
      clearTimeout(timer)
      reject(signal.reason)
    }, { once: true })
  })

const TIMEOUT_MESSAGES = {
  confirmed:
    "The payment provider confirmed your payment; the order is taking longer than usual to appear. The shop will contact you if it cannot be placed.",
  waiting: "The payment has not been confirmed yet. If you paid, your order will appear as soon as the payment provider confirms it.",
}

/** Polls `path` with backoff until `settled` says the answer ends the wait, or the deadline (see `waitForPayment`). */
async function pollStatus<A extends { status: string; message: string; name?: string; confirmed?: boolean }, O>(
  sdk: StoreClient,
  path: string,
  paid: (answer: A) => O | undefined,
  options: WaitForPaymentOptions<A>
): Promise<O | Exclude<PaymentOutcome, { status: "paid" }>> {
  const { timeoutMs = 10 * 60_000, initialDelayMs = 1000, maxDelayMs = 5000, onUpdate, signal } = options
  const deadline = Date.now() + timeoutMs
  let delay = initialDelayMs
  let confirmed = false
  for (;;) {
    signal?.throwIfAborted()
    const answer = await sdk.client.fetch<A>(path).catch(() => undefined)
    if (answer) {
      onUpdate?.(answer)
      const done = paid(answer)
      if (done) return done
      if (answer.status === "failed" || answer.status === "canceled" || answer.status === "paid_no_order") {
        return { status: answer.status, message: answer.message, name: answer.name }
      }
      confirmed ||= answer.confirmed === true
    }
    if (Date.now() + delay > deadline) {
      return { status: "timeout", message: confirmed ? TIMEOUT_MESSAGES.confirmed : TIMEOUT_MESSAGES.waiting }
    }
    await sleep(delay, signal)
    delay = Math.min(Math.round(delay * 1.5), maxDelayMs)
  }
}

/**
 * For the shop's return page: polls `GET /store/carts/:id/payment-status`
 * (which asks the gateway while the payment is pending) with backoff until
 * the gateway's word arrives: `paid` with the order, `failed` or `canceled`
 * (offer another attempt on the same cart), `paid_no_order` (the money
 * arrived but the order could not be placed; the shop will contact the
 * customer), or `timeout`. A poll that fails (network) is retried until the
 * deadline.
 */
export function waitForPayment(sdk: StoreClient, cartId: string, options: WaitForPaymentOptions = {}): Promise<PaymentOutcome> {
  return pollStatus<StoreCartPaymentStatusResponse, PaymentOutcome>(
    sdk,
    `/store/carts/${encodeURIComponent(cartId)}/payment-status`,
    (answer) =>
      answer.status === "paid" && answer.order_id
        ? { status: "paid", orderId: answer.order_id, displayId: answer.display_id, message: answer.message }
        : undefined,
    options
  )
}

/**
 * For a payment link's page (Medusa's `/payment-collection/:id`): polls
 * `GET /store/payment-collections/:id/payment-status` as `waitForPayment`
 * polls a cart's. `canceled` also when the shop canceled the collection.
 */
export function waitForPaymentCollection(
  sdk: StoreClient,
  paymentCollectionId: string,
  options: WaitForPaymentOptions<StorePaymentCollectionPaymentStatusResponse> = {}
): Promise<PaymentLinkOutcome> {
  return pollStatus<StorePaymentCollectionPaymentStatusResponse, PaymentLinkOutcome>(
    sdk,
    `/store/payment-collections/${encodeURIComponent(paymentCollectionId)}/payment-status`,
    (answer) => (answer.status === "paid" ? { status: "paid", displayId: answer.display_id, message: answer.message } : undefined),
    options
  )
}

/** What the customer is paying, remembered across the gateway's redirect (see `rememberPayment`). */
export type PaymentInProgress =
  | { kind: "cart"; cartId: string }
  | { kind: "payment_collection"; paymentCollectionId: string; orderId?: string }

/** The `localStorage` key under which `rememberPayment` keeps what is being paid. */
export const PAYMENT_IN_PROGRESS_KEY = "redirect-payments:paying"

type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">

/**
 * Remembers what the customer is about to pay before the redirect, so that one
 * return page (Romb's single dashboard URL) knows whether a checkout or a
 * payment link came back: read it there with `paymentInProgress`.
 */
export function rememberPayment(paying: PaymentInProgress, storage: KeyValueStorage = localStorage): void {
  storage.setItem(PAYMENT_IN_PROGRESS_KEY, JSON.stringify(paying))
}

/** What `rememberPayment` kept, or undefined (nothing, or something this kit did not write). */
export function paymentInProgress(storage: KeyValueStorage = localStorage): PaymentInProgress | undefined {
  let value: unknown
  try {
    value = JSON.parse(storage.getItem(PAYMENT_IN_PROGRESS_KEY) ?? "null")
  } catch {
    return undefined
  }
  if (typeof value !== "object" || value === null) return undefined
  const paying = value as Record<string, unknown>
  if (paying.kind === "cart" && typeof paying.cartId === "string") return { kind: "cart", cartId: paying.cartId }
  if (paying.kind === "payment_collection" && typeof paying.paymentCollectionId === "string") {
    return {
      kind: "payment_collection",
      paymentCollectionId: paying.paymentCollectionId,
      ...(typeof paying.orderId === "string" ? { orderId: paying.orderId } : {}),
    }
  }
  return undefined
}

/** Forgets what `rememberPayment` kept (once the payment is settled). */
export function forgetPayment(storage: KeyValueStorage = localStorage): void {
  storage.removeItem(PAYMENT_IN_PROGRESS_KEY)
}

type PaymentCollectionLike = { id: string; payment_sessions?: SessionLike[] | null }

/**
 * A payment link's "Pay": starts a session with `providerId` on the
 * collection (`POST /store/payment-collections/:id/payment-sessions`, which
 * replaces an earlier attempt's), remembers the payment across the redirect,
 * and returns the gateway's page to send the customer to.
 */
export async function startPaymentLinkSession(
  sdk: StoreClient,
  paying: { paymentCollectionId: string; orderId?: string },
  providerId: string,
  details: Omit<CheckoutDetails, "cartId"> = {},
  storage: KeyValueStorage = localStorage
): Promise<string> {
  const { payment_collection } = await sdk.client.fetch<{ payment_collection: PaymentCollectionLike }>(
    `/store/payment-collections/${encodeURIComponent(paying.paymentCollectionId)}/payment-sessions`,
    { method: "POST", body: { provider_id: providerId, data: paymentSessionData(providerId, details) } }
  )
  const url = paymentPageUrl(payment_collection, providerId)
  rememberPayment({ kind: "payment_collection", ...paying }, storage)
  return url
}
