/**
 * `medusa-plugin-redirect-payments/admin`: the admin extension Medusa's admin
 * bundler builds from `src/admin` (the order page's "Gateway payments"
 * widget). A Medusa app's admin loads it by itself. The bundler emits no
 * declarations, so its shape is declared here, as far as code outside the
 * admin can rely on it.
 */
declare const adminExtension: {
  widgetModule: { widgets: { Component: unknown; zone: string[] }[] }
  routeModule: { routes: unknown[] }
  menuItemModule: { menuItems: unknown[] }
  formModule: { customFields: Record<string, unknown> }
  displayModule: { displays: Record<string, unknown> }
  i18nModule: { resources: Record<string, unknown> }
}

// the CommonJS build assigns module.exports and the ES build exports default: one object either way
export = adminExtension
