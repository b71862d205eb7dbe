/**
 * BoxExchanger sites the plugin knows. `apiUrl` hosts the public methods
 * (`{apiUrl}/public/exchanger/order/create`), `siteUrl` the payment pages
 * (`{siteUrl}/{lang}/payment/{uid}/{secret}`). Any other BoxExchanger site
 * works with `siteUrl` + `apiUrl` instead of a preset.
 */
export const EXCHANGER_PRESETS = {
  obmin: { siteUrl: "https://www.obmin.me", apiUrl: "https://www.obmin.me/api", lang: "uk" },
  pocketbank: { siteUrl: "https://pocketbank.net", apiUrl: "https://pocketbank.net/api", lang: "en" },
} as const

export type ExchangerPreset = keyof typeof EXCHANGER_PRESETS
