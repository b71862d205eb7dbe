import { defineMiddlewares } from "@medusajs/framework/http"

export default defineMiddlewares({
  routes: [
    {
      method: ["POST"],
      matcher: "/hooks/payment-gateways/:provider",
      // Signatures are computed over the exact bytes the gateway sent.
      bodyParser: { preserveRawBody: true },
    },
  ],
})
