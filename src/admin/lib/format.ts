/**
 * Amounts and times in the admin's language. Pure: no React, no i18next, so
 * it is unit-tested as is.
 */

/**
 * Medusa's admin language codes ("ru", "uk", "ptBR", "zhCN") as the BCP 47
 * tags Intl takes ("pt-BR"); anything Intl cannot read is English.
 */
export function intlLocale(language: string | undefined): string {
  const tag = (language ?? "").replace(/^([a-z]{2,3})([A-Z]{2})$/, "$1-$2")
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? "en"
  } catch {
    return "en"
  }
}

/**
 * A decimal amount (as the plugin's routes give it, at the currency's
 * precision) in the order's currency, formatted for the locale. A code Intl
 * does not take as a currency is written after the number.
 */
export function formatAmount(amount: string, currencyCode: string | null, locale: string): string {
  const value = Number(amount)
  if (currencyCode) {
    try {
      return new Intl.NumberFormat(locale, { style: "currency", currency: currencyCode.toUpperCase() }).format(value)
    } catch {
      // not an ISO 4217 code: the number, then the code as the gateway wrote it
    }
  }
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 }).format(value)
  return currencyCode ? `${number} ${currencyCode.toUpperCase()}` : number
}

/** A moment to the second (events of one payment are often seconds apart). */
export function formatDateTime(value: Date | string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }).format(new Date(value))
}
