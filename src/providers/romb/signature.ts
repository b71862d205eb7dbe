import { MedusaError } from "@medusajs/framework/utils"
import { hmacSha256Hex, signaturesEqual } from "../../lib/crypto"
import { PhpArray, phpFormDecode, phpJsonDecode, phpJsonEncode, phpKsort, phpToString } from "../../lib/php"

/**
 * Romb's webhook signature, exactly as the PHP `verifySignature` in Romb's doc
 * computes it: decode the body as PHP would (`json_decode($raw, true)`, or
 * `$_POST` for a form body), drop `sign`, `ksort`, join `key=value` with `&`
 * (arrays as `json_encode(..., JSON_UNESCAPED_UNICODE)`), `rtrim` the `&`s,
 * HMAC-SHA256 hex with the secret.
 */
function decodeBody(rawBody: string, contentType: string | undefined): PhpArray {
  const invalid = (message: string) => new MedusaError(MedusaError.Types.INVALID_DATA, `Romb webhook: ${message}`)
  if (contentType?.toLowerCase().includes("application/x-www-form-urlencoded")) {
    try {
      return phpFormDecode(rawBody)
    } catch (error) {
      throw invalid(`the form-urlencoded body cannot be decoded (${(error as Error).message}).`)
    }
  }
  let decoded
  try {
    decoded = phpJsonDecode(rawBody)
  } catch (error) {
    throw invalid(`the body is not valid JSON (${(error as Error).message}).`)
  }
  // PHP decodes a JSON list to an array too, but Romb's fields come as an object
  if (!(decoded instanceof Map) || !/^[ \t\n\r]*\{/.test(rawBody)) {
    throw invalid("the body is not a JSON object.")
  }
  return decoded
}

/** The string Romb's PHP reference signs (`key=value&...`), for a raw webhook body; `sign` is excluded. */
export function rombSignatureBase(rawBody: string, contentType?: string): string {
  const fields = decodeBody(rawBody, contentType)
  fields.delete("sign")
  let base = ""
  for (const [key, value] of phpKsort(fields)) {
    // a failed json_encode is false, which PHP concatenates as ""
    base += `${key}=${value instanceof Map ? phpJsonEncode(value) || "" : phpToString(value)}&`
  }
  return base.replace(/&+$/, "")
}

/** Hex HMAC-SHA256 of rombSignatureBase with the secret. */
export function rombSignature(rawBody: string, contentType: string | undefined, secret: string): string {
  return hmacSha256Hex(rombSignatureBase(rawBody, contentType), secret)
}

/** True when the body's `sign` field matches; false when it is missing or wrong. */
export function verifyRombSignature(rawBody: string, contentType: string | undefined, secret: string): boolean {
  const received = decodeBody(rawBody, contentType).get("sign")
  return signaturesEqual(rombSignature(rawBody, contentType, secret), received)
}
