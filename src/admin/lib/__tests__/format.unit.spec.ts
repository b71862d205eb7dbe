import { formatAmount, formatDateTime, intlLocale } from "../format"

/** Amounts and times as the admin shows them, in the admin's language. */
describe("admin formatting", () => {
  it("reads Medusa's language codes as Intl locales; anything unreadable is English", () => {
    expect(intlLocale("ru")).toBe("ru")
    expect(intlLocale("uk")).toBe("uk")
    expect(intlLocale("ptBR")).toBe("pt-BR")
    expect(intlLocale("zhCN")).toBe("zh-CN")
    expect(intlLocale(undefined)).toBe("en")
    expect(intlLocale("not a locale!")).toBe("en")
  })

  it("formats an amount in the order's currency the way the admin's language writes money", () => {
    // Intl separates thousands with a no-break space in Russian and Ukrainian
    expect(formatAmount("1490.50", "rub", "ru")).toBe("1\u00a0490,50\u00a0₽")
    expect(formatAmount("1490.50", "uah", "uk")).toBe("1\u00a0490,50\u00a0₴")
    expect(formatAmount("1490.50", "rub", "en")).toBe("RUB\u00a01,490.50")
    expect(formatAmount("1500", "jpy", "en")).toBe("¥1,500")
  })

  it("keeps a code Intl does not take as a currency after the number, and a bare number without one", () => {
    expect(formatAmount("12.5", "usdt", "ru")).toBe("12,5 USDT")
    expect(formatAmount("1490.5", null, "uk")).toBe("1\u00a0490,5")
  })

  it("writes a moment to the second, in the admin's language", () => {
    const moment = "2026-12-02T10:55:12.000Z"
    expect(formatDateTime(moment, "ru")).toMatch(/^\d{1,2} дек\. 2026 г\., \d{2}:\d{2}:12$/)
    expect(formatDateTime(moment, "uk")).toMatch(/^\d{1,2} груд\. 2026 р\., \d{2}:\d{2}:12$/)
    expect(formatDateTime(new Date(moment), "en")).toMatch(/^Dec \d{1,2}, 2026, \d{1,2}:\d{2}:12\s[AP]M$/)
  })
})
