import { createHash, createHmac, timingSafeEqual } from "node:crypto"

export function sha256Hex(input: string): string {
  return createHash("sha256").update(input, "utf8").digest("hex")
}

export function hmacSha256Hex(input: string, key: string): string {
  return createHmac("sha256", key).update(input, "utf8").digest("hex")
}

/**
 * Compares two signatures in constant time, exactly: every gateway's
 * reference prints lowercase hex (PHP `hash_hmac`, Python `hexdigest`, Node
 * `digest("hex")`) and PHP's `hash_equals` is case-sensitive, so an
 * uppercase copy is refused as the reference would refuse it.
 */
export function signaturesEqual(expected: string, received: unknown): boolean {
  if (typeof received !== "string") {
    return false
  }
  // Hash both sides so that the comparison time does not leak the length either.
  const ha = createHash("sha256").update(expected, "utf8").digest()
  const hb = createHash("sha256").update(received, "utf8").digest()
  return timingSafeEqual(ha, hb) && expected.length === received.length
}
