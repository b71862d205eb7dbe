import { RefusalTally } from "../refusal-tally"

const at = (iso: string) => new Date(iso)

describe("RefusalTally", () => {
  it("adds up refusals per provider, hour and reason, keeping the latest time", () => {
    const tally = new RefusalTally()
    for (let i = 0; i < 1000; i++) tally.count("pp_romb_romb", "unauthorized", at(`2026-12-02T10:${String(i % 60).padStart(2, "0")}:00Z`))
    tally.count("pp_romb_romb", "malformed", at("2026-12-02T10:05:00Z"))
    tally.count("pp_romb_romb", "unauthorized", at("2026-12-02T11:00:00Z"))
    tally.count("pp_rubitpay_rubitpay", "unauthorized", at("2026-12-02T10:30:00Z"))

    const taken = tally.take()
    expect(taken).toEqual(
      expect.arrayContaining([
        { provider_id: "pp_romb_romb", hour: at("2026-12-02T10:00:00Z"), reason: "unauthorized", count: 1000, last_at: at("2026-12-02T10:59:00Z") },
        { provider_id: "pp_romb_romb", hour: at("2026-12-02T10:00:00Z"), reason: "malformed", count: 1, last_at: at("2026-12-02T10:05:00Z") },
        { provider_id: "pp_romb_romb", hour: at("2026-12-02T11:00:00Z"), reason: "unauthorized", count: 1, last_at: at("2026-12-02T11:00:00Z") },
        { provider_id: "pp_rubitpay_rubitpay", hour: at("2026-12-02T10:00:00Z"), reason: "unauthorized", count: 1, last_at: at("2026-12-02T10:30:00Z") },
      ])
    )
    expect(taken).toHaveLength(4)
    expect(tally.take()).toEqual([])
  })

  it("counts that could not be written come back, added to what came since", () => {
    const tally = new RefusalTally()
    tally.count("pp_romb_romb", "unauthorized", at("2026-12-02T10:10:00Z"))
    tally.count("pp_romb_romb", "unauthorized", at("2026-12-02T10:20:00Z"))
    const failedWrite = tally.take()
    tally.count("pp_romb_romb", "unauthorized", at("2026-12-02T10:15:00Z"))
    tally.restore(failedWrite)
    expect(tally.take()).toEqual([
      { provider_id: "pp_romb_romb", hour: at("2026-12-02T10:00:00Z"), reason: "unauthorized", count: 3, last_at: at("2026-12-02T10:20:00Z") },
    ])
  })
})
