import { hmacSha256Hex, sha256Hex, signaturesEqual } from "../../lib/crypto"

/**
 * The per-order `ipnSecret` sent with each order: derived from the master
 * secret and the session id, so a leaked order (its secret travels to the
 * exchanger) never exposes the master secret, and nothing secret is stored.
 */
export function orderIpnSecret(masterSecret: string, sessionId: string): string {
  return hmacSha256Hex(`boxexchanger-ipn:${sessionId}`, masterSecret)
}

/** The fields the IPN checksum covers, in its order. */
export const IPN_CHECKSUM_FIELDS = ["orderId", "newStatus", "inAmount", "outAmount", "xml_from", "xml_to", "timestamp"] as const

export type IpnChecksumFields = Record<(typeof IPN_CHECKSUM_FIELDS)[number], unknown>

/**
 * sha256(orderId:newStatus:inAmount:outAmount:xml_from:xml_to:timestamp:ipnSecret),
 * as the doc's JavaScript gives it (an absent field concatenates as "undefined").
 */
export function ipnChecksum(fields: IpnChecksumFields, ipnSecret: string): string {
  return sha256Hex([...IPN_CHECKSUM_FIELDS.map((name) => String(fields[name])), ipnSecret].join(":"))
}

export function verifyIpnChecksum(fields: IpnChecksumFields, ipnSecret: string, received: unknown): boolean {
  return signaturesEqual(ipnChecksum(fields, ipnSecret), received)
}
