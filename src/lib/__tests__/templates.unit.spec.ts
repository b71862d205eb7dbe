import { fillTemplate } from "../templates"

describe("fillTemplate", () => {
  it("fills a description as written", () => {
    expect(fillTemplate("Order {session_id}: {amount} {currency}", { session_id: "payses_1", amount: "1790.50", currency: "RUB" })).toBe(
      "Order payses_1: 1790.50 RUB"
    )
  })

  it("percent-encodes values in a URL, so a cart id cannot add a path or query", () => {
    expect(
      fillTemplate("https://shop.example/checkout/{cart_id}?s={session_id}", { cart_id: "cart/../x?y=1", session_id: "payses_1" }, { url: true })
    ).toBe("https://shop.example/checkout/cart%2F..%2Fx%3Fy%3D1?s=payses_1")
  })

  it("leaves unknown placeholders, empties missing values, and passes no template through", () => {
    expect(fillTemplate("{order} {cart_id}", { cart_id: undefined })).toBe("{order} ")
    expect(fillTemplate(undefined, { cart_id: "x" })).toBeUndefined()
  })
})
