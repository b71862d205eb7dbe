/**
 * What may stay of a card number or payout requisite the customer typed, in
 * data that is public (payment-session data) or logged: a card number keeps
 * its first six and last four digits (as a receipt shows it), anything else
 * its last four characters.
 */
export function maskRequisite(value: string): string {
  const digits = value.replace(/[\s-]/g, "")
  if (/^[0-9]{12,19}$/.test(digits)) return `${digits.slice(0, 6)}${"*".repeat(digits.length - 10)}${digits.slice(-4)}`
  return value.length <= 4 ? "*".repeat(value.length) : `${"*".repeat(value.length - 4)}${value.slice(-4)}`
}

export function maskedValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, maskRequisite(value)]))
}
