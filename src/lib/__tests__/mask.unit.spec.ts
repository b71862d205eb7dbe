import { maskedValues, maskRequisite } from "../mask"

describe("maskRequisite", () => {
  it("keeps a card number's first six and last four digits", () => {
    expect(maskRequisite("4111111111111111")).toBe("411111******1111")
    expect(maskRequisite("4111 1111 1111 1111")).toBe("411111******1111")
    expect(maskRequisite("2200-7001-2345-6789-012")).toBe("220070*********9012")
  })

  it("keeps only the last four characters of anything else", () => {
    expect(maskRequisite("TXYZabcdefghijkmnopqrstuvwxyz12345")).toBe(`${"*".repeat(30)}2345`)
    expect(maskRequisite("+79991234567")).toBe("********4567")
    expect(maskRequisite("abc")).toBe("***")
  })

  it("masks every value of a requisite set", () => {
    expect(maskedValues({ card: "4111111111111111", phone: "+79991234567" })).toEqual({
      card: "411111******1111",
      phone: "********4567",
    })
  })
})
