import { createHash, createHmac, timingSafeEqual } from "node:crypto"

export function sha256Hex(input: string): string {
  return createHash("sha256").update(input, "utf8").digest("hex")
}

export function hmacSha256Hex(input: string, key: string): string {
  return createHmac("sha256", key).update(input, "utf8").digest("hex")
}

/**
 * Compares two signatures in constant time. Hex digests are compared
 * case-insensitively, since gateways differ in the case they send.
 */
export function signaturesEqual(expected: string, received: unknown): boolean {
  if (typeof received !== "string") {
    return false
  }
  const a = Buffer.from(expected.toLowerCase(), "utf8")
  const b = Buffer.from(received.toLowerCase(), "utf8")
  // Hash both sides so that the comparison time does not leak the length either.
  const ha = createHash("sha256").update(a).digest()
  const hb = createHash("sha256").update(b).digest()
  return timingSafeEqual(ha, hb) && a.length === b.length
}
