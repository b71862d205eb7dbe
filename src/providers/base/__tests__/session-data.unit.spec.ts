import { z } from "zod"
import { parseStorefrontInput, readConfirmation, sealConfirmation } from "../session-data"

const schema = z.object({ email: z.email().optional() })

describe("parseStorefrontInput", () => {
  it("accepts documented keys and Medusa's session_id", () => {
    expect(parseStorefrontInput("Romb", schema, { email: "a@b.co", session_id: "payses_1" })).toEqual({
      email: "a@b.co",
    })
  })

  it("refuses keys the provider writes, so a storefront cannot fake a payment", () => {
    expect(() =>
      parseStorefrontInput("Romb", schema, { gateway_status: "PAID", gateway_confirmation: {} })
    ).toThrow(/may not set gateway_status, gateway_confirmation/)
  })

  it("refuses unknown keys, listing the accepted ones", () => {
    expect(() => parseStorefrontInput("Romb", schema, { mail: "x" })).toThrow(
      /unknown key\(s\) mail \(accepted: email\)/
    )
  })

  it("explains invalid values", () => {
    expect(() => parseStorefrontInput("Romb", schema, { email: "nope" })).toThrow(/`email`/)
  })
})

describe("sealed confirmations", () => {
  const base = {
    action: "captured" as const,
    gateway_status: "PAID",
    amount: "100.5",
    currency_code: "",
    event_key: "tx-1:PAID",
    confirmed_at: "2026-01-01T00:00:00.000Z",
  }
  const sealed = sealConfirmation("payses_1", base, "key")

  it("reads back a confirmation sealed for the same session", () => {
    expect(readConfirmation("payses_1", { gateway_confirmation: sealed }, "key")).toEqual(sealed)
  })

  it("rejects a confirmation moved to another session", () => {
    expect(readConfirmation("payses_2", { gateway_confirmation: sealed }, "key")).toBeUndefined()
  })

  it("rejects a tampered or forged confirmation", () => {
    expect(
      readConfirmation("payses_1", { gateway_confirmation: { ...sealed, amount: "1" } }, "key")
    ).toBeUndefined()
    expect(readConfirmation("payses_1", { gateway_confirmation: sealed }, "other-key")).toBeUndefined()
    expect(readConfirmation("payses_1", { gateway_confirmation: "PAID" }, "key")).toBeUndefined()
  })
})
