import { MedusaError } from "@medusajs/framework/utils"
import { lastingRefusal } from "../ensure-order-for-session"

describe("which refusals of a paid cart retrying will not fix", () => {
  it("not enough stock, no shipping method, a cart Medusa finds invalid: told to the operator at once, in Medusa's words", () => {
    expect(lastingRefusal(new MedusaError(MedusaError.Types.NOT_ALLOWED, "Some variant does not have the required inventory"))).toBe(
      "Some variant does not have the required inventory"
    )
    expect(
      lastingRefusal({ type: MedusaError.Types.INVALID_DATA, message: "No shipping method selected but the cart contains items that require shipping." })
    ).toBe("No shipping method selected but the cart contains items that require shipping.")
    expect(lastingRefusal({ type: MedusaError.Types.NOT_FOUND, message: "" })).toBe(MedusaError.Types.NOT_FOUND)
  })

  it("a held lock, a database or gateway hiccup, an unknown error: retried", () => {
    expect(lastingRefusal(new MedusaError(MedusaError.Types.CONFLICT, "locked"))).toBeUndefined()
    expect(lastingRefusal(new MedusaError(MedusaError.Types.UNEXPECTED_STATE, "x"))).toBeUndefined()
    expect(lastingRefusal(new MedusaError(MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR, "x"))).toBeUndefined()
    expect(lastingRefusal(new Error("Connection terminated"))).toBeUndefined()
    expect(lastingRefusal(undefined)).toBeUndefined()
  })
})
