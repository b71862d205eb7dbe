import { hmacSha256Hex, sha256Hex, signaturesEqual } from "../../lib/crypto"

/**
 * The per-order `ipnSecret` sent with each order: derived from the master
 * secret and the session id, so a leaked order (its secret travels to the
 * exchanger) never exposes the master secret, and nothing secret is stored.
 */
export function orderIpnSecret(masterSecret: string, sessionId: string): string {
  return hmacSha256Hex(`boxexchanger-ipn:${sessionId}`, masterSecret)
}

export type IpnChecksumFields = {
  orderId: string
  newStatus: string
  inAmount: string
  outAmount: string
  xml_from: string
  xml_to: string
  timestamp: string
}

/** sha256(orderId:newStatus:inAmount:outAmount:xml_from:xml_to:timestamp:ipnSecret), as the doc gives it. */
export function ipnChecksum(fields: IpnChecksumFields, ipnSecret: string): string {
  return sha256Hex(
    [fields.orderId, fields.newStatus, fields.inAmount, fields.outAmount, fields.xml_from, fields.xml_to, fields.timestamp, ipnSecret].join(":")
  )
}

export function verifyIpnChecksum(fields: IpnChecksumFields, ipnSecret: string, received: unknown): boolean {
  return signaturesEqual(ipnChecksum(fields, ipnSecret), received)
}
