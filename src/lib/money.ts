import { BigNumber, MathBN, MedusaError } from "@medusajs/framework/utils"
import type { BigNumberInput } from "@medusajs/framework/types"
import { CurrencyInfo, ISO_4217 } from "./iso4217"

/** bignumber.js rounding mode constant (Medusa does not re-export the enum). */
const ROUND_HALF_UP = 4

/** Look up a currency by Medusa's (lowercase) or ISO (uppercase) alpha code. */
export function currencyInfo(currencyCode: string): CurrencyInfo {
  const info = ISO_4217.get(String(currencyCode ?? "").toUpperCase())
  if (!info) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `Unknown currency "${currencyCode}": expected an ISO 4217 alpha code such as "rub".`
    )
  }
  return info
}

/**
 * The one place amounts are rounded: a Medusa major-unit amount (number,
 * string, BigNumber or its raw `{ value, precision }` form) to a decimal
 * string with exactly the currency's minor units, rounded half-up.
 * `1490.5` RUB -> `"1490.50"`, `100` JPY -> `"100"`, `1.2345` KWD -> `"1.235"`.
 */
export function toGatewayAmount(amount: BigNumberInput, currencyCode: string): string {
  const { minorUnits } = currencyInfo(currencyCode)
  const value = MathBN.convert(amount)
  if (!value.isFinite() || value.isNegative()) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `Amount ${value.toString()} ${currencyCode.toUpperCase()} is not a payable amount.`
    )
  }
  return value.decimalPlaces(minorUnits, ROUND_HALF_UP).toFixed(minorUnits)
}

/** A gateway's decimal amount back into Medusa's major-unit BigNumber. */
export function fromGatewayAmount(amount: string | number): BigNumber {
  return new BigNumber(MathBN.convert(String(amount)))
}

/**
 * Whether a gateway-reported amount is the session amount, compared at the
 * currency's precision (Medusa keeps more decimals than any gateway).
 */
export function amountsMatch(
  sessionAmount: BigNumberInput,
  gatewayAmount: string | number,
  currencyCode: string
): boolean {
  const expected = toGatewayAmount(sessionAmount, currencyCode)
  const received = MathBN.convert(String(gatewayAmount))
  return received.isFinite() && MathBN.eq(expected, received)
}

export function isoNumericCode(currencyCode: string): number {
  return currencyInfo(currencyCode).numeric
}

export function currencyByNumericCode(numeric: number): CurrencyInfo | undefined {
  for (const info of ISO_4217.values()) {
    if (info.numeric === numeric) {
      return info
    }
  }
  return undefined
}
