import { hmacSha256Hex, sha256Hex, signaturesEqual } from "../crypto"

describe("crypto helpers", () => {
  it("hashes like the gateways' reference code", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    // RFC 4231 test case 2
    expect(hmacSha256Hex("what do ya want for nothing?", "Jefe")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
  })

  it("compares signatures exactly and case-sensitively, like PHP's hash_equals", () => {
    expect(signaturesEqual("abcdef", "abcdef")).toBe(true)
    // every gateway's reference prints lowercase hex: an uppercase copy is not what it sent
    expect(signaturesEqual("abcdef", "ABCDEF")).toBe(false)
    expect(signaturesEqual("abcdef", "abcdeF")).toBe(false)
    expect(signaturesEqual("abcdef", "abcdee")).toBe(false)
    expect(signaturesEqual("abcdef", "abcdef0")).toBe(false)
    expect(signaturesEqual("abcdef", undefined)).toBe(false)
    expect(signaturesEqual("abcdef", ["abcdef"])).toBe(false)
    expect(signaturesEqual("abcdef", "")).toBe(false)
    expect(signaturesEqual("abcdef", " abcdef")).toBe(false)
  })
})
