import { defineMiddlewares } from "@medusajs/framework/http"
import { holdPaymentLockUntilAnswered } from "./admin/hold-payment-lock"
import { fillReturnUrlIds } from "./store/fill-return-url-ids"
import { refuseChangesToPaidCart } from "./store/paid-cart-guard"
import { recordGatewayOrdersAfterSessionCreated } from "./store/record-gateway-orders"

/** Store routes that change what a cart costs, who buys it, its shipping, or replace its payment session. */
const CART_CHANGES = [
  { method: ["POST"], matcher: "/store/carts/:id", idParam: "cart_id" },
  { method: ["POST"], matcher: "/store/carts/:id/customer", idParam: "cart_id" },
  { method: ["POST"], matcher: "/store/carts/:id/line-items", idParam: "cart_id" },
  { method: ["POST", "DELETE"], matcher: "/store/carts/:id/line-items/:line_id", idParam: "cart_id" },
  { method: ["POST", "DELETE"], matcher: "/store/carts/:id/promotions", idParam: "cart_id" },
  { method: ["POST"], matcher: "/store/carts/:id/shipping-methods", idParam: "cart_id" },
  { method: ["POST"], matcher: "/store/carts/:id/taxes", idParam: "cart_id" },
  { method: ["POST"], matcher: "/store/payment-collections/:id/payment-sessions", idParam: "payment_collection_id" },
] as const

export default defineMiddlewares({
  routes: [
    {
      method: ["POST"],
      matcher: "/hooks/payment-gateways/:provider",
      // Signatures are computed over the exact bytes the gateway sent.
      bodyParser: { preserveRawBody: true },
    },
    {
      method: ["POST"],
      matcher: "/store/payment-collections/:id/payment-sessions",
      middlewares: [fillReturnUrlIds, recordGatewayOrdersAfterSessionCreated],
    },
    { method: ["POST"], matcher: "/admin/payments/:id/refund", middlewares: [holdPaymentLockUntilAnswered] },
    ...CART_CHANGES.map(({ method, matcher, idParam }) => ({
      method: [...method],
      matcher,
      middlewares: [
        refuseChangesToPaidCart(idParam, {
          startsPayment: idParam === "payment_collection_id",
          transfersCustomer: matcher === "/store/carts/:id/customer",
        }),
      ],
    })),
  ],
})
