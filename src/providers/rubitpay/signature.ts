import { sha256Hex, signaturesEqual } from "../../lib/crypto"
import { pythonStr } from "../../lib/python"

/**
 * RubitPay's request and webhook signature, as the doc's Python `make_sign`
 * computes it: keys sorted, `str(value)` joined with ":", then ":" + secret,
 * SHA-256 hex. `sign` itself and absent (null/undefined) fields are left out.
 * A nested object (`add_ons`) is turned into a string the way the reference
 * code's `str()` does it: Python's dict repr, e.g. `{'inn': '7707083893'}`.
 */
export type RubitPayParams = Record<string, unknown>

export function rubitPaySignatureBase(params: RubitPayParams): string {
  return Object.keys(params)
    .filter((key) => key !== "sign" && params[key] !== undefined && params[key] !== null)
    .sort()
    .map((key) => pythonStr(params[key]))
    .join(":")
}

export function rubitPaySignature(params: RubitPayParams, secret: string): string {
  return sha256Hex(`${rubitPaySignatureBase(params)}:${secret}`)
}

export function signRubitPayRequest<T extends RubitPayParams>(params: T, secret: string): T & { sign: string } {
  return { ...params, sign: rubitPaySignature(params, secret) }
}

export function verifyRubitPaySignature(params: RubitPayParams, secret: string): boolean {
  return signaturesEqual(rubitPaySignature(params, secret), params.sign)
}
