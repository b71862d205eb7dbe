import { createHash, timingSafeEqual } from "node:crypto"
import fc from "fast-check"
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

  it("property: the one-shot SHA-256 is createHash's, and the comparison without hashing decides as the hashed one did", () => {
    const sha = (text: string) => createHash("sha256").update(text, "utf8").digest()
    // the comparison before: SHA-256 of both sides (to hide the length), then the lengths
    const hashedEqual = (expected: string, received: string) => timingSafeEqual(sha(expected), sha(received)) && expected.length === received.length
    // any UTF-16, lone surrogates included (which UTF-8 writes as U+FFFD)
    const text = fc.string({ unit: fc.oneof(fc.constantFrom("a", "f", "0", "A", "é", "\ufffd", "\ud800", "\udc00", "😀"), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))), maxLength: 8 })
    const pair = fc.oneof(
      fc.tuple(text, text),
      text.map((a) => [a, a] as const),
      fc.tuple(text, text, text).map(([a, b, c]) => [a + b, a + c] as const),
      fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }).chain((hex) =>
        fc.constantFrom([hex, hex] as const, [hex, hex.toUpperCase()] as const, [hex, hex.slice(1)] as const, [hex, `${hex}0`] as const)
      )
    )
    fc.assert(
      fc.property(pair, ([expected, received]) => {
        expect(sha256Hex(expected)).toBe(sha(expected).toString("hex"))
        expect(signaturesEqual(expected, received)).toBe(hashedEqual(expected, received))
      }),
      { numRuns: 20000 }
    )
  })
})
