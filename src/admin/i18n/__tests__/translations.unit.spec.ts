import { readFileSync, readdirSync } from "node:fs"
import path from "node:path"
import resources, { I18N_NAMESPACE } from ".."
import { GATEWAY_EVENT_STATES } from "../../../modules/gateway-inbox/event-states"

type Messages = { [key: string]: string | Messages }

/** Every key of a nested messages object, dotted ("widget.title"), with its text. */
function flatten(messages: Messages, prefix = ""): Map<string, string> {
  return new Map(
    Object.entries(messages).flatMap(([key, value]) =>
      typeof value === "string" ? [[`${prefix}${key}`, value]] : [...flatten(value, `${prefix}${key}.`)]
    )
  )
}

const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((match) => match[1]).sort()

const en = flatten(resources.en[I18N_NAMESPACE])
const translated = { ru: flatten(resources.ru[I18N_NAMESPACE]), uk: flatten(resources.uk[I18N_NAMESPACE]) }

/** Texts that are the same in every language: names and a pattern of values only. */
const SAME_IN_EVERY_LANGUAGE = new Set(["gateway.romb", "gateway.rubitpay", "settings.lastNotificationValue"])

/** The admin sources, where the keys are used. */
function adminSources(dir = path.join(__dirname, "../..")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "__tests__" ? [] : adminSources(file)
    return /\.tsx?$/.test(entry.name) ? [readFileSync(file, "utf8")] : []
  })
}

describe("the admin's translations (English, Russian, Ukrainian)", () => {
  it.each(Object.entries(translated))("%s has exactly the English keys, each translated, with the same placeholders", (_, messages) => {
    expect([...messages.keys()].sort()).toEqual([...en.keys()].sort())
    for (const [key, text] of messages) {
      expect([key, placeholders(text)]).toEqual([key, placeholders(en.get(key)!)])
      expect([key, text.trim().length > 0]).toEqual([key, true])
      if (!SAME_IN_EVERY_LANGUAGE.has(key)) expect([key, text]).not.toEqual([key, en.get(key)])
    }
  })

  it("has a text for every key the widget, the settings page and its menu entry use", () => {
    const sources = adminSources().join("\n")
    // every key written out: t("…"), t(cond ? "…" : "…"), the route config's label
    const written = [...sources.matchAll(/"((?:widget|refund|eventState|gateway|settings|events|paidWithoutOrder)\.\w+)"/g)].map((match) => match[1])
    // keys built at run time: t(`eventState.${event.state}`), t(`gateway.${gateway.gateway}`)
    const families = [...GATEWAY_EVENT_STATES.map((state) => `eventState.${state}`), "gateway.romb", "gateway.rubitpay", "gateway.exchanger"]
    const used = new Set([...written, ...families])
    expect(used.size).toBeGreaterThan(40)
    expect([...used].filter((key) => !en.has(key))).toEqual([])
    // and nothing is translated that no screen shows
    const unused = [...en.keys()].filter((key) => !used.has(key))
    expect(unused).toEqual([])
  })

  it("the settings menu entry is translated through the plugin's namespace", () => {
    const page = readFileSync(path.join(__dirname, "../../routes/settings/payment-gateways/page.tsx"), "utf8")
    expect(page).toContain(`translationNs: "${I18N_NAMESPACE}"`)
  })
})
