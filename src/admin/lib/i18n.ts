import { useTranslation } from "react-i18next"
import { I18N_NAMESPACE } from "../i18n"
import { formatAmount, formatDateTime, intlLocale } from "./format"

/**
 * The plugin's texts in the admin's language (Medusa's i18next, the plugin's
 * namespace) and amounts and times formatted for that language.
 */
export function usePluginTranslation() {
  const { t, i18n } = useTranslation(I18N_NAMESPACE)
  const locale = intlLocale(i18n.language)
  return {
    t,
    amount: (amount: string, currencyCode: string | null) => formatAmount(amount, currencyCode, locale),
    dateTime: (value: Date | string) => formatDateTime(value, locale),
  }
}
