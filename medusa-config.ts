import { defineConfig, loadEnv } from "@medusajs/framework/utils"
import path from "node:path"

/**
 * The app the integration tests and `npm run demo` boot: this repository's
 * own `src/` (API routes, subscribers, workflows, jobs, modules, providers)
 * loaded as the project, against the sandbox gateways. Not published.
 */
loadEnv(process.env.NODE_ENV || "development", process.cwd())

const sandboxUrl = process.env.SANDBOX_URL ?? "http://127.0.0.1:9911"
const backendUrl = process.env.MEDUSA_BACKEND_URL ?? "http://localhost:9000"
/** The demo storefront (`demo/storefront`): its return page is `/checkout/{cart_id}`. */
const storefrontUrl = process.env.STOREFRONT_URL ?? "http://localhost:8000"
/**
 * Hosts a storefront's `return_url` may use (RubitPay, exchangers): the demo
 * storefront's, plus ALLOWED_RETURN_HOSTS (comma-separated `host[:port]`),
 * e.g. a Next.js storefront run beside the demo (docs/nextjs-starter.md).
 */
const allowedReturnHosts = [
  new URL(storefrontUrl).host,
  ...(process.env.ALLOWED_RETURN_HOSTS ?? "")
    .split(",")
    .map((host) => host.trim())
    .filter(Boolean),
]
const storefrontReturn = {
  successUrl: `${storefrontUrl}/checkout/{cart_id}?payment=success`,
  failUrl: `${storefrontUrl}/checkout/{cart_id}?payment=failed`,
  allowedReturnHosts,
}

/**
 * RECONCILE_AFTER_SECONDS: the status-call providers' `reconcileAfterSeconds`
 * (how long after its creation reconciliation first asks about an
 * unconfirmed payment). Unset: the option's default (120 s). The load suite
 * shortens it so that lost notifications are recovered within its run.
 */
const reconcileAfter = process.env.RECONCILE_AFTER_SECONDS
  ? { reconcileAfterSeconds: Number(process.env.RECONCILE_AFTER_SECONDS) }
  : {}

/*
 * Several instances on one database (production). Without REDIS_URL nothing
 * here applies: Medusa's in-process defaults (local event bus, in-memory
 * workflow engine and locking), as every test suite and `npm run demo` use.
 * With REDIS_URL, Medusa's Redis modules, so that instances share
 *  - the event bus (BullMQ queue: an event is handled by one worker instance,
 *    and waits in Redis while none is running),
 *  - the workflow engine (scheduled jobs are one repeatable BullMQ job per job
 *    name: each tick runs on one worker instance, not on every instance),
 *  - locking (the cart lock under which Medusa completes a cart),
 *  - sessions (projectConfig.redisUrl: an admin's login is valid on every instance),
 *  - caching, when Medusa's caching is on (MEDUSA_FF_CACHING=true; with it off
 *    Medusa caches nothing, and the module would only put every event through
 *    the queue for its invalidation).
 * MEDUSA_WORKER_MODE: `server` (HTTP only), `worker` (subscribers and scheduled
 * jobs, no API routes) or `shared` (both; the default).
 */
const redisUrl = process.env.REDIS_URL || undefined
const workerModes = ["shared", "server", "worker"] as const
const workerMode = process.env.MEDUSA_WORKER_MODE as (typeof workerModes)[number] | undefined
if (workerMode && !workerModes.includes(workerMode)) {
  // Medusa itself would silently ignore the value and run an instance that is neither
  throw new Error(`MEDUSA_WORKER_MODE must be one of ${workerModes.join(", ")}, not "${workerMode}"`)
}
const redisModules = redisUrl
  ? [
      { resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl } },
      { resolve: "@medusajs/medusa/workflow-engine-redis", options: { redis: { redisUrl } } },
      {
        resolve: "@medusajs/medusa/locking",
        options: {
          providers: [{ resolve: "@medusajs/medusa/locking-redis", id: "locking-redis", is_default: true, options: { redisUrl } }],
        },
      },
      ...(process.env.MEDUSA_FF_CACHING === "true"
        ? [
            {
              resolve: "@medusajs/medusa/caching",
              options: {
                providers: [{ resolve: "@medusajs/medusa/caching-redis", id: "caching-redis", is_default: true, options: { redisUrl } }],
              },
            },
          ]
        : []),
    ]
  : []

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    // several instances: see the Redis block above
    ...(redisUrl ? { redisUrl } : {}),
    ...(workerMode ? { workerMode } : {}),
    http: {
      // Medusa matches CORS origins literally ("*" is not a wildcard): the storefront's origin
      storeCors: process.env.STORE_CORS ?? storefrontUrl,
      adminCors: process.env.ADMIN_CORS ?? "*",
      authCors: process.env.AUTH_CORS ?? "*",
      jwtSecret: process.env.JWT_SECRET ?? "demo-jwt-secret",
      cookieSecret: process.env.COOKIE_SECRET ?? "demo-cookie-secret",
    },
  },
  admin: {
    disable: process.env.ADMIN_DISABLED === "true",
    backendUrl,
    // "Copy payment link" on an order leads to the demo storefront's /payment-collection/:id page
    storefrontUrl,
  },
  modules: [
    { resolve: "./src/modules/gateway-inbox" },
    /*
     * Modules with providers of their own, listed before the payment module:
     * the plugin must find its providers in the payment module whatever else
     * the config registers (integration-tests/http/registry.spec.ts). These
     * are Medusa's defaults plus an email channel, so the app behaves as before.
     */
    {
      resolve: "@medusajs/medusa/file",
      options: { providers: [{ resolve: "@medusajs/medusa/file-local", id: "local" }] },
    },
    {
      resolve: "@medusajs/medusa/notification",
      options: {
        providers: [
          // Medusa's default provider of the admin's feed, where the plugin reports flagged events
          {
            resolve: "@medusajs/medusa/notification-local",
            id: "local",
            options: { name: "Local Notification Provider", channels: ["feed"] },
          },
          {
            resolve: "@medusajs/medusa/notification-local",
            id: "local-email",
            options: { name: "Local Email Provider", channels: ["email"] },
          },
        ],
      },
    },
    {
      resolve: "@medusajs/medusa/fulfillment",
      options: { providers: [{ resolve: "@medusajs/medusa/fulfillment-manual", id: "manual" }] },
    },
    {
      resolve: "@medusajs/medusa/payment",
      options: {
        providers: [
          {
            // an absolute path to the file, as require.resolve spells it: Medusa registers any spelling, the plugin must find it
            resolve: path.join(__dirname, "src/providers/romb/index"),
            id: "romb",
            options: {
              uid: "sandbox-romb-uid",
              publicKey: "sandbox-romb-public",
              privateKey: "sandbox-romb-private",
              baseUrl: `${sandboxUrl}/romb`,
              description: "Order {session_id}",
              timeoutMs: Number(process.env.GATEWAY_TIMEOUT_MS ?? 5000),
            },
          },
          {
            resolve: "./src/providers/rubitpay",
            id: "rubitpay",
            options: {
              shopId: "sandbox-rubitpay-shop",
              secretKey: "sandbox-rubitpay-secret",
              baseUrl: `${sandboxUrl}/rubitpay`,
              capture: true,
              payway: "bank_card",
              payways: ["bank_card", "sbp", "p2p"],
              ...storefrontReturn,
              description: "Order {session_id}",
              timeoutMs: Number(process.env.GATEWAY_TIMEOUT_MS ?? 5000),
              ...reconcileAfter,
            },
          },
          {
            // two-step (hold, then charge on capture); a RubitPay shop has one callback URL, so its own shop
            resolve: "./src/providers/rubitpay",
            id: "hold",
            options: {
              shopId: "sandbox-rubitpay-hold-shop",
              secretKey: "sandbox-rubitpay-hold-secret",
              baseUrl: `${sandboxUrl}/rubitpay`,
              capture: false,
              ...storefrontReturn,
              // a released or failed hold after the order exists cancels the order too
              cancelOrderOnPaymentCancel: true,
              timeoutMs: Number(process.env.GATEWAY_TIMEOUT_MS ?? 5000),
              ...reconcileAfter,
            },
          },
          ...(["obmin", "pocketbank"] as const).map((site) => ({
            resolve: "./src/providers/exchanger",
            id: site,
            options: {
              preset: site,
              siteUrl: `${sandboxUrl}/exchanger/${site}`,
              apiUrl: `${sandboxUrl}/exchanger/${site}/api`,
              ipnSecret: `sandbox-${site}-master-secret`,
              backendUrl,
              routes: {
                rub: {
                  routeId: "65a1f0c2e4b0a1b2c3d4e5f6",
                  toValues: [{ key: "wallet", value: "TXYZabcdefghijkmnopqrstuvwxyz12345" }],
                  customerFromKeys: ["card"],
                  xmlFrom: "CARDRUB",
                },
              },
              clientCallbackUrl: `${storefrontUrl}/checkout/{cart_id}`,
              allowedReturnHosts,
              timeoutMs: Number(process.env.GATEWAY_TIMEOUT_MS ?? 5000),
              ...reconcileAfter,
            },
          })),
          {
            // a site with a hryvnia route only: a rouble cart must be refused
            resolve: "./src/providers/exchanger",
            id: "uah_only",
            options: {
              // without a preset the provider must be told its registration id, for its IPN URL
              id: "uah_only",
              siteUrl: `${sandboxUrl}/exchanger/pocketbank`,
              apiUrl: `${sandboxUrl}/exchanger/pocketbank/api`,
              ipnSecret: "sandbox-uah-master-secret",
              backendUrl,
              routes: {
                uah: { routeId: "65a1f0c2e4b0a1b2c3d4e5f7", toValues: [{ key: "wallet", value: "TXYZabcdefghijkmnopqrstuvwxyz12345" }] },
              },
            },
          },
        ],
      },
    },
    ...redisModules,
  ],
})
