import en from "./json/en.json"
import ru from "./json/ru.json"
import uk from "./json/uk.json"

/**
 * The plugin's i18next namespace: its keys never collide with Medusa's or
 * another plugin's, and Medusa's own keys stay reachable (the admin falls
 * back to its `translation` namespace).
 */
export const I18N_NAMESPACE = "redirect-payments"

/**
 * Medusa's admin merges this default export (found at `src/admin/i18n/index`)
 * into its i18next resources, by language and namespace. English is the
 * fallback for every other language of the admin.
 */
export default {
  en: { [I18N_NAMESPACE]: en },
  ru: { [I18N_NAMESPACE]: ru },
  uk: { [I18N_NAMESPACE]: uk },
}
