import { hmacSha256Hex, signaturesEqual } from "../../lib/crypto"
import { PhpArray, phpJsonEncode, phpKsort, phpToString } from "../../lib/php"
import {
  exactMediaType,
  FORM_MEDIA_TYPE,
  JSON_MEDIA_TYPE,
  parseStrictForm,
  parseStrictJsonObject,
} from "../../lib/webhook-body"

const GATEWAY = "Romb"

/**
 * A Romb notification body, decoded once as the PHP in Romb's doc decodes it
 * (`json_decode($raw, true)` for JSON, `$_POST` for a form), in the subset of
 * both formats where PHP and an ordinary HTTP parser read the same fields.
 * `data` is the one field the doc shows as nested.
 */
export function readRombBody(rawBody: string, contentType: string | undefined): PhpArray {
  return exactMediaType(GATEWAY, contentType, [JSON_MEDIA_TYPE, FORM_MEDIA_TYPE]) === FORM_MEDIA_TYPE
    ? parseStrictForm(GATEWAY, rawBody, { nested: { data: { depth: 1 } } })
    : parseStrictJsonObject(GATEWAY, rawBody)
}

/**
 * The string Romb's PHP `verifySignature` signs for decoded fields: drop
 * `sign`, `ksort`, join `key=value` with `&` (arrays as
 * `json_encode(..., JSON_UNESCAPED_UNICODE)`), `rtrim` the `&`s.
 */
export function rombSignatureBase(fields: PhpArray): string {
  const signed = new Map(fields)
  signed.delete("sign")
  let base = ""
  for (const [key, value] of phpKsort(signed)) {
    // a failed json_encode is false, which PHP concatenates as ""
    base += `${key}=${value instanceof Map ? phpJsonEncode(value) || "" : phpToString(value)}&`
  }
  // rtrim($base, "&"): the last value's own trailing "&"s go too
  let end = base.length
  while (end > 0 && base.charCodeAt(end - 1) === 0x26) end--
  return base.slice(0, end)
}

/** Hex HMAC-SHA256 of rombSignatureBase with the secret. */
export function rombSignature(fields: PhpArray, secret: string): string {
  return hmacSha256Hex(rombSignatureBase(fields), secret)
}

/**
 * True when the decoded body's `sign` matches, compared in constant time and,
 * like PHP's `hash_equals`, case-sensitively (`hash_hmac` prints lowercase).
 */
export function verifyRombSignature(fields: PhpArray, secret: string): boolean {
  return signaturesEqual(rombSignature(fields, secret), fields.get("sign"))
}
