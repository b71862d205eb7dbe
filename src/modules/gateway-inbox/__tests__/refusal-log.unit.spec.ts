import { REFUSAL_LOG_INTERVAL_MS, RefusalLog } from "../refusal-log"

describe("RefusalLog", () => {
  it("logs the first refusal of a provider and reason, then one line a minute with how many came since", () => {
    const log = new RefusalLog()
    // a forged body every 10 ms for 130 s
    const lines: Array<string | undefined> = []
    for (let i = 0; i < 13_000; i++) lines.push(log.line("pp_romb_romb", "unauthorized", "Romb webhook: the signature is missing or invalid.", i * 10))
    expect(lines.filter(Boolean)).toEqual([
      "Refused a webhook for pp_romb_romb (unauthorized): Romb webhook: the signature is missing or invalid.",
      "Refused a webhook for pp_romb_romb (unauthorized) (5999 more since the last line): Romb webhook: the signature is missing or invalid.",
      "Refused a webhook for pp_romb_romb (unauthorized) (5999 more since the last line): Romb webhook: the signature is missing or invalid.",
    ])
    // quiet for a while: the next one is written at once, with the 999 the last minute held back
    expect(log.line("pp_romb_romb", "unauthorized", "x", 10 * REFUSAL_LOG_INTERVAL_MS)).toBe(
      "Refused a webhook for pp_romb_romb (unauthorized) (999 more since the last line): x"
    )
  })

  it("keeps providers and reasons apart", () => {
    const log = new RefusalLog()
    expect(log.line("pp_romb_romb", "unauthorized", "a", 0)).toBeDefined()
    expect(log.line("pp_romb_romb", "malformed", "b", 1)).toBeDefined()
    expect(log.line("pp_rubitpay_rubitpay", "unauthorized", "c", 2)).toBeDefined()
    expect(log.line("pp_romb_romb", "unauthorized", "d", 3)).toBeUndefined()
  })
})
