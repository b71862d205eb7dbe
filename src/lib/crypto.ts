import { createHmac, hash, timingSafeEqual } from "node:crypto"

export function sha256Hex(input: string): string {
  // the one-shot hash (Node 20.12+; Medusa needs 20.19+) builds no Hash object: about twice as fast on a webhook
  return hash("sha256", input, "hex")
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
  // The bytes themselves, compared in constant time once their lengths agree: a length is no secret (every
  // expected signature is a digest's fixed-length hex), so an early "no" on a length only tells the sender
  // the length of what it sent. (Hashing both sides first to hide it cost two more SHA-256s per webhook.)
  const a = Buffer.from(expected, "utf8")
  const b = Buffer.from(received, "utf8")
  return a.length === b.length && timingSafeEqual(a, b)
}
