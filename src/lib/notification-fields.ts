import { z } from "zod"
import { PhpArray, PhpFloat, PhpInt, PhpValue } from "./php"

/**
 * The documented formats of notification fields, checked after the signature
 * and before anything is stored. Signatures that join values without their
 * names (RubitPay's and the exchanger's `a:b:c`) still verify when text moves
 * from one value into its neighbour; with every field held to its format no
 * value can absorb part of another, so such a move is refused.
 */

/** A Medusa payment session id, the merchant reference of every gateway order. */
export const paymentSessionIdField = z
  .string()
  .regex(/^payses_[0-9A-Z]{26}$/, "must be a Medusa payment session id (payses_…)")

/** A non-negative decimal amount as the gateway wrote it: `"2990.00"`, `100.5`. */
export const decimalAmountField = z
  .union([z.string(), z.number()])
  .transform((value) => String(value))
  .refine((text) => /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,8})?$/.test(text), "must be a decimal amount such as 2990.00")

/** A status word: known ones are mapped, other plain words go to the unknown-status path. */
export const statusWordField = z
  .string()
  .regex(/^[A-Za-z][A-Za-z_]{0,39}$/, "must be a single status word")

/** ISO 8601 date and time, e.g. `2024-01-15T10:30:45+00:00` or `2024-01-15T10:30:45.123Z`. */
export const isoDateTimeField = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/,
    "must be an ISO 8601 date and time"
  )

/** A gateway's own identifier: letters, digits, `-` and `_` (never `:` or `&`). */
export const gatewayIdField = z
  .union([z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an identifier"), z.number().int().nonnegative()])
  .transform((value) => String(value))

/** Lowercase hex SHA-256, as every gateway's reference code prints it. */
export const sha256HexField = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits")

/** A decoded notification as plain values for zod: maps to objects (or arrays), PHP numbers to numbers. */
export function plainValue(value: PhpValue): unknown {
  if (value instanceof PhpInt) {
    return Number.isSafeInteger(Number(value.value)) ? Number(value.value) : value.value.toString()
  }
  if (value instanceof PhpFloat) return value.value
  if (value instanceof Map) {
    // the keys 0, 1, 2… in order: a list
    let index = 0
    for (const key of value.keys()) {
      if (key !== index++) return plainFields(value)
    }
    return Array.from(value.values(), plainValue)
  }
  return value
}

/**
 * The fields as an object of own data properties, as Object.fromEntries makes it (at a fraction of its
 * cost here): a plain assignment where nothing is inherited under the name, a definition where something is
 * (`__proto__`'s setter would run, a frozen Object.prototype's `toString` would refuse the assignment).
 */
export function plainFields(fields: PhpArray): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (const [key, value] of fields) {
    const name = String(key)
    if (name in object) Object.defineProperty(object, name, { value: plainValue(value), writable: true, enumerable: true, configurable: true })
    else object[name] = plainValue(value)
  }
  return object
}
