import { defineConfig, loadEnv } from "@medusajs/framework/utils"

/**
 * The compatibility apps' config (copied into each app by the compatibility
 * suite): the installed plugin, registered as the README tells a merchant,
 * with its providers against the sandbox gateways. Nothing of this
 * repository's source is loaded: only the packed plugin in node_modules.
 */
loadEnv(process.env.NODE_ENV || "development", process.cwd())

const sandboxUrl = process.env.SANDBOX_URL ?? "http://127.0.0.1:9911"
const backendUrl = process.env.MEDUSA_BACKEND_URL ?? "http://localhost:9000"
const plugin = "medusa-plugin-redirect-payments"

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      storeCors: "*",
      adminCors: "*",
      authCors: "*",
      jwtSecret: "compat-jwt-secret",
      cookieSecret: "compat-cookie-secret",
    },
    // the suite's browser reaches the dashboard over plain http: a Secure session cookie would never be set
    cookieOptions: { secure: false },
  },
  // the suite serves a `medusa build --admin-only` dashboard on the API's origin
  admin: { disable: process.env.ADMIN_DISABLED === "true", backendUrl: "" },
  plugins: [{ resolve: plugin, options: {} }],
  modules: [
    {
      resolve: "@medusajs/medusa/payment",
      options: {
        providers: [
          {
            resolve: `${plugin}/providers/romb`,
            id: "romb",
            options: {
              uid: "sandbox-romb-uid",
              publicKey: "sandbox-romb-public",
              privateKey: "sandbox-romb-private",
              baseUrl: `${sandboxUrl}/romb`,
            },
          },
          {
            resolve: `${plugin}/providers/rubitpay`,
            id: "rubitpay",
            options: {
              shopId: "sandbox-rubitpay-shop",
              secretKey: "sandbox-rubitpay-secret",
              baseUrl: `${sandboxUrl}/rubitpay`,
              capture: true,
              payway: "bank_card",
              payways: ["bank_card"],
            },
          },
          {
            resolve: `${plugin}/providers/rubitpay`,
            id: "hold",
            options: {
              shopId: "sandbox-rubitpay-hold-shop",
              secretKey: "sandbox-rubitpay-hold-secret",
              baseUrl: `${sandboxUrl}/rubitpay`,
              capture: false,
            },
          },
          {
            resolve: `${plugin}/providers/exchanger`,
            id: "obmin",
            options: {
              preset: "obmin",
              siteUrl: `${sandboxUrl}/exchanger/obmin`,
              apiUrl: `${sandboxUrl}/exchanger/obmin/api`,
              ipnSecret: "sandbox-obmin-master-secret",
              backendUrl,
              routes: {
                rub: {
                  routeId: "65a1f0c2e4b0a1b2c3d4e5f6",
                  toValues: [{ key: "wallet", value: "TXYZabcdefghijkmnopqrstuvwxyz12345" }],
                  customerFromKeys: ["card"],
                  xmlFrom: "CARDRUB",
                },
              },
            },
          },
        ],
      },
    },
  ],
})
