/**
 * The demo storefront: product page → cart → address, shipping and a choice
 * of every payment provider of the cart's region → the gateway's page → the
 * return page, which waits for the gateway's word. Medusa's JS SDK plus the
 * plugin's storefront kit, no framework: what a storefront developer copies.
 */
import Medusa from "@medusajs/js-sdk"
import type { HttpTypes } from "@medusajs/types"
import {
  forgetPayment,
  gatewayOf,
  paymentInProgress,
  paymentSessionData,
  redirectToPayment,
  rememberPayment,
  startPaymentLinkSession,
  waitForPayment,
  waitForPaymentCollection,
  type StorePaymentCollectionPaymentStatusResponse,
  type StorePaymentGatewaysResponse,
} from "../../src/storefront"

/** Written by the server that serves this page (`demo/storefront/serve.js`). */
type DemoConfig = { backendUrl: string; publishableKey: string; regionId: string }

const CART_KEY = "demo_cart_id"
const app = document.getElementById("app")!

type Child = Node | string | null | undefined | false
/** A DOM element with attributes and children: the one helper this page needs. */
function h(tag: string, attributes: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "")
    else if (typeof value === "string") element.setAttribute(name, value)
  }
  for (const child of children) if (child) element.append(child)
  return element
}

function show(...children: Child[]) {
  app.replaceChildren(...children.filter((c): c is Node | string => !!c))
}

/** In the page's language (the browser's may be a tag Intl refuses, such as `en-US@posix`). */
function money(amount: number | undefined, currency: string) {
  return new Intl.NumberFormat(document.documentElement.lang, { style: "currency", currency }).format(amount ?? 0)
}

function fail(error: unknown) {
  const message = (error as { message?: string })?.message ?? String(error)
  show(h("h1", {}, "Something went wrong"), h("p", { class: "error", "data-testid": "error" }, message), h("p", {}, h("a", { href: "/checkout" }, "Back to checkout")))
}

async function main() {
  const config: DemoConfig = await (await fetch("/config.json")).json()
  const sdk = new Medusa({ baseUrl: config.backendUrl, publishableKey: config.publishableKey })
  const path = location.pathname
  const cartId = () => localStorage.getItem(CART_KEY)

  async function cart(): Promise<HttpTypes.StoreCart | undefined> {
    const id = cartId()
    if (!id) return undefined
    const { cart } = await sdk.store.cart.retrieve(id, { fields: "*items,*payment_collection.payment_sessions,+total,+shipping_total" })
    return cart
  }

  async function productPage() {
    const { products } = await sdk.store.product.list({ region_id: config.regionId, fields: "*variants.calculated_price" })
    show(
      h("h1", {}, "Products"),
      ...products.map((product) => {
        const variant = product.variants![0]!
        const price = variant.calculated_price
        const button = h("button", { "data-testid": "add-to-cart" }, "Add to cart")
        button.addEventListener("click", async () => {
          button.setAttribute("disabled", "")
          let id = cartId()
          if (!id) {
            id = (await sdk.store.cart.create({ region_id: config.regionId })).cart.id
            localStorage.setItem(CART_KEY, id)
          }
          await sdk.store.cart.createLineItem(id, { variant_id: variant.id, quantity: 1 })
          location.assign("/cart")
        })
        return h(
          "section",
          {},
          h("h2", {}, product.title ?? ""),
          h("p", {}, product.description ?? ""),
          h("p", { class: "price" }, money(price?.calculated_amount ?? undefined, price?.currency_code ?? "rub")),
          button
        )
      })
    )
  }

  async function cartPage() {
    const current = await cart()
    if (!current?.items?.length) return show(h("h1", {}, "Your cart is empty"), h("a", { href: "/" }, "See products"))
    show(
      h("h1", {}, "Cart"),
      h("table", {}, ...current.items.map((item) => h("tr", {}, h("td", {}, `${item.product_title} × ${item.quantity}`), h("td", {}, money(item.total, current.currency_code))))),
      h("p", { class: "price" }, `Total ${money(current.total, current.currency_code)}`),
      h("a", { href: "/checkout" }, h("button", { "data-testid": "checkout" }, "Checkout"))
    )
  }

  async function checkoutPage() {
    const current = await cart()
    if (!current?.items?.length) return show(h("h1", {}, "Your cart is empty"), h("a", { href: "/" }, "See products"))
    const [{ shipping_options }, { payment_providers }, gateways] = await Promise.all([
      sdk.store.fulfillment.listCartOptions({ cart_id: current.id }),
      sdk.store.payment.listPaymentProviders({ region_id: current.region_id! }),
      sdk.client.fetch<StorePaymentGatewaysResponse>("/store/payment-gateways"),
    ])
    const names = new Map(gateways.payment_gateways.map((g) => [g.provider_id, g.name]))
    const field = (name: string, label: string, value: string, type = "text") =>
      h("label", {}, label, h("input", { type, name, value, required: true, "data-testid": name }))
    const address = current.shipping_address
    const form = h(
      "form",
      {},
      h(
        "fieldset",
        {},
        h("legend", {}, "Contact and address"),
        field("email", "Email", current.email ?? "buyer@example.com", "email"),
        field("first_name", "First name", address?.first_name ?? "Ivan"),
        field("last_name", "Last name", address?.last_name ?? "Petrov"),
        field("address_1", "Address", address?.address_1 ?? "Nevsky prospekt 28"),
        field("city", "City", address?.city ?? "Saint Petersburg"),
        field("postal_code", "Postal code", address?.postal_code ?? "191186"),
        field("phone", "Phone", address?.phone ?? "+79991234567")
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, "Shipping"),
        ...shipping_options.map((option, index) =>
          h("label", { class: "choice" }, h("input", { type: "radio", name: "shipping", value: option.id, checked: index === 0 }), `${option.name} — ${money(option.amount, current.currency_code)}`)
        )
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, "Payment"),
        ...payment_providers.map((provider) =>
          h(
            "label",
            { class: "choice" },
            h("input", { type: "radio", name: "provider", value: provider.id, required: true, "data-testid": `provider-${provider.id}` }),
            names.get(provider.id) ?? provider.id
          )
        ),
        h("label", { id: "card-field", hidden: true }, "Card number (the exchanger charges it)", h("input", { type: "text", name: "card", value: "4111111111111111", "data-testid": "card" }))
      ),
      h("p", { class: "price", id: "checkout-total", "data-testid": "checkout-total" }),
      h("p", { class: "error", id: "checkout-error", "data-testid": "checkout-error" }),
      h("button", { type: "submit", "data-testid": "pay" }, "Pay")
    ) as HTMLFormElement
    // what the gateway will charge: the cart with the chosen shipping instead of the one it has (none at first)
    const showTotal = () => {
      const option = shipping_options.find((o) => o.id === new FormData(form).get("shipping"))
      const total = (current.total ?? 0) - (current.shipping_total ?? 0) + (option?.amount ?? 0)
      document.getElementById("checkout-total")!.textContent = `Total ${money(total, current.currency_code)}`
    }
    form.addEventListener("change", () => {
      const provider = new FormData(form).get("provider")
      document.getElementById("card-field")!.hidden = gatewayOf(String(provider ?? "")) !== "exchanger"
      showTotal()
    })
    form.addEventListener("submit", async (event) => {
      event.preventDefault()
      const button = form.querySelector("button")!
      button.setAttribute("disabled", "")
      const input = Object.fromEntries(new FormData(form)) as Record<string, string>
      try {
        const shippingAddress = {
          first_name: input.first_name, last_name: input.last_name, address_1: input.address_1, city: input.city,
          postal_code: input.postal_code, phone: input.phone, country_code: "ru",
        }
        await sdk.store.cart.update(current.id, { email: input.email, shipping_address: shippingAddress, billing_address: shippingAddress })
        const { cart: withShipping } = await sdk.store.cart.addShippingMethod(current.id, { option_id: input.shipping })
        const providerId = input.provider
        const data = gatewayOf(providerId)
          ? paymentSessionData(providerId, {
              cartId: current.id,
              email: input.email,
              phone: input.phone,
              fromValues: { card: input.card.replace(/\s+/g, "") },
            })
          : {}
        const { payment_collection } = await sdk.store.payment.initiatePaymentSession(withShipping, { provider_id: providerId, data })
        if (!gatewayOf(providerId)) {
          // a provider without a payment page (e.g. Medusa's system provider): complete at once
          const completed = await sdk.store.cart.complete(current.id)
          if (completed.type === "order") return orderPlaced(completed.order.display_id, "Order placed.")
          throw new Error(completed.error.message)
        }
        rememberPayment({ kind: "cart", cartId: current.id })
        redirectToPayment(payment_collection, providerId)
      } catch (error) {
        document.getElementById("checkout-error")!.textContent = (error as Error).message
        button.removeAttribute("disabled")
      }
    })
    show(h("h1", {}, "Checkout"), form)
    showTotal()
  }

  function orderPlaced(displayId: number | undefined, message: string) {
    localStorage.removeItem(CART_KEY)
    forgetPayment()
    show(
      h("h1", {}, "Thank you!"),
      h("div", { class: "notice ok", "data-testid": "payment-result" }, message),
      h("p", {}, "Order number ", h("strong", { "data-testid": "order-number" }, `#${displayId}`)),
      h("a", { href: "/" }, "Continue shopping")
    )
  }

  /** Where every gateway sends the customer back: `/checkout/{cart_id}?…`, or `/checkout/return` (Romb). */
  async function returnPage(id: string) {
    const waiting = h("div", { class: "notice wait", "data-testid": "payment-waiting" }, "Checking your payment…")
    // a customer who left the gateway's page unpaid need not wait for it
    const controller = new AbortController()
    const other = h("button", { "data-testid": "pay-another-way" }, "Choose another way to pay")
    other.addEventListener("click", () => {
      controller.abort(new Error("another way"))
      localStorage.setItem(CART_KEY, id)
      location.assign("/checkout")
    })
    show(h("h1", {}, "Payment"), waiting, other)
    const outcome = await waitForPayment(sdk, id, { onUpdate: (status) => (waiting.textContent = status.message), signal: controller.signal }).catch(() => undefined)
    if (!outcome) return
    if (outcome.status === "paid") return orderPlaced(outcome.displayId, outcome.message)
    if (outcome.status === "paid_no_order") {
      // the money arrived: no "try again" (it would be a second payment); the shop contacts the customer
      localStorage.removeItem(CART_KEY)
      return show(
        h("h1", {}, "Payment received"),
        h("div", { class: "notice wait", "data-testid": "payment-result" }, outcome.message),
        h("a", { href: "/" }, "Continue shopping")
      )
    }
    const again = h("button", { "data-testid": "try-again" }, "Try again")
    again.addEventListener("click", () => {
      localStorage.setItem(CART_KEY, id)
      location.assign("/checkout")
    })
    show(
      h("h1", {}, outcome.status === "timeout" ? "Still waiting for the payment" : "Payment not completed"),
      h("div", { class: "notice bad", "data-testid": "payment-result" }, outcome.message),
      outcome.status === "timeout" ? null : again
    )
  }

  /**
   * Medusa's "Copy payment link" (`/payment-collection/:id?order_id=…`): the
   * amount due on the order, paid through a gateway; back from the gateway,
   * the same page waits for the verified word.
   */
  async function paymentLinkPage(collectionId: string) {
    const orderId = new URLSearchParams(location.search).get("order_id") ?? undefined
    const status = await sdk.client.fetch<StorePaymentCollectionPaymentStatusResponse>(
      `/store/payment-collections/${encodeURIComponent(collectionId)}/payment-status`
    )
    const due = h(
      "p",
      { class: "price", "data-testid": "amount-due" },
      `${money(status.amount, status.currency_code)}${status.display_id ? ` · order #${status.display_id}` : ""}`
    )
    if (status.status === "paid" || status.status === "canceled") {
      return show(h("h1", {}, status.status === "paid" ? "Already paid" : "Nothing to pay"), h("div", { class: "notice ok", "data-testid": "payment-result" }, status.message))
    }
    const remembered = paymentInProgress()
    const returning = remembered?.kind === "payment_collection" && remembered.paymentCollectionId === collectionId && status.provider_id
    if (returning) await waitHere(collectionId, due)
    else await payForm(collectionId, orderId, due)
  }

  async function payForm(collectionId: string, orderId: string | undefined, due: HTMLElement, notice?: HTMLElement) {
    const [{ payment_providers }, gateways] = await Promise.all([
      // the demo has one region; a shop reads the order's region
      sdk.store.payment.listPaymentProviders({ region_id: config.regionId }),
      sdk.client.fetch<StorePaymentGatewaysResponse>("/store/payment-gateways"),
    ])
    const names = new Map(gateways.payment_gateways.map((g) => [g.provider_id, g.name]))
    const form = h(
      "form",
      {},
      h(
        "fieldset",
        {},
        h("legend", {}, "Payment"),
        ...payment_providers
          .filter((provider) => gatewayOf(provider.id))
          .map((provider) =>
            h("label", { class: "choice" }, h("input", { type: "radio", name: "provider", value: provider.id, required: true, "data-testid": `provider-${provider.id}` }), names.get(provider.id) ?? provider.id)
          ),
        h("label", { id: "card-field", hidden: true }, "Card number (the exchanger charges it)", h("input", { type: "text", name: "card", value: "4111111111111111", "data-testid": "card" }))
      ),
      h("p", { class: "error", id: "pay-error", "data-testid": "checkout-error" }),
      h("button", { type: "submit", "data-testid": "pay" }, "Pay")
    ) as HTMLFormElement
    form.addEventListener("change", () => {
      document.getElementById("card-field")!.hidden = gatewayOf(String(new FormData(form).get("provider") ?? "")) !== "exchanger"
    })
    form.addEventListener("submit", async (event) => {
      event.preventDefault()
      const button = form.querySelector("button")!
      button.setAttribute("disabled", "")
      const input = Object.fromEntries(new FormData(form)) as Record<string, string>
      try {
        location.assign(
          await startPaymentLinkSession(sdk, { paymentCollectionId: collectionId, orderId }, input.provider, { fromValues: { card: input.card.replace(/\s+/g, "") } })
        )
      } catch (error) {
        document.getElementById("pay-error")!.textContent = (error as Error).message
        button.removeAttribute("disabled")
      }
    })
    show(h("h1", {}, "Payment due"), due, notice, form)
  }

  /** Back from the gateway: waits, with "choose another way to pay" offered at once. */
  async function waitHere(collectionId: string, due: HTMLElement) {
    const waiting = h("div", { class: "notice wait", "data-testid": "payment-waiting" }, "Checking your payment…")
    const controller = new AbortController()
    const other = h("button", { "data-testid": "pay-another-way" }, "Choose another way to pay")
    other.addEventListener("click", () => {
      controller.abort(new Error("another way"))
      forgetPayment()
      location.reload()
    })
    show(h("h1", {}, "Payment due"), due, waiting, other)
    const outcome = await waitForPaymentCollection(sdk, collectionId, { onUpdate: (status) => (waiting.textContent = status.message), signal: controller.signal }).catch(
      () => undefined
    )
    if (!outcome) return
    if (outcome.status !== "timeout") forgetPayment()
    if (outcome.status === "paid" || outcome.status === "paid_no_order") {
      return show(h("h1", {}, "Thank you!"), due, h("div", { class: "notice ok", "data-testid": "payment-result" }, outcome.message))
    }
    const notice = h("div", { class: outcome.status === "timeout" ? "notice wait" : "notice bad", "data-testid": "payment-result" }, outcome.message)
    await payForm(collectionId, new URLSearchParams(location.search).get("order_id") ?? undefined, due, notice)
  }

  const returned = /^\/checkout\/([^/]*)$/.exec(path)
  const link = /^\/payment-collection\/([^/]+)$/.exec(path)
  if (path === "/") await productPage()
  else if (path === "/cart") await cartPage()
  else if (path === "/checkout") await checkoutPage()
  else if (link) await paymentLinkPage(decodeURIComponent(link[1]!))
  else if (returned) {
    // Romb's one return URL (`/checkout/return`), or a template without a cart: what was being paid
    const paying = returned[1] === "return" || returned[1] === "" ? paymentInProgress() : undefined
    if (paying?.kind === "payment_collection") {
      const query = paying.orderId ? `?order_id=${encodeURIComponent(paying.orderId)}` : ""
      return location.replace(`/payment-collection/${encodeURIComponent(paying.paymentCollectionId)}${query}`)
    }
    const id = paying?.kind === "cart" ? paying.cartId : returned[1] === "return" || returned[1] === "" ? cartId() : decodeURIComponent(returned[1]!)
    if (!id) return show(h("h1", {}, "No cart to check"), h("a", { href: "/" }, "See products"))
    await returnPage(id)
  } else show(h("h1", {}, "Not found"), h("a", { href: "/" }, "See products"))
}

main().catch(fail)
