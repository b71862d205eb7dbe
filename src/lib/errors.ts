import { MedusaError } from "@medusajs/framework/utils"

/**
 * What went wrong when talking to a gateway, in terms that decide what the
 * plugin does next:
 * - `rejected`: the gateway answered and refused the request (bad input, a
 *   business rule, a declined payment). Repeating it will not help.
 * - `misconfigured`: the gateway refused our credentials or setup; the
 *   merchant must fix the provider options.
 * - `unavailable`: no usable answer (timeout, network, 5xx, malformed body);
 *   the outcome is unknown and may still arrive by webhook.
 * - `unsupported`: the gateway has no such operation.
 */
export type GatewayErrorKind = "rejected" | "misconfigured" | "unavailable" | "unsupported"

/**
 * How each kind reaches the storefront and the admin: a gateway that does not
 * answer is a 422 with code `gateway_unavailable` (try again or pay another
 * way), which a storefront tells apart from a bug's 500; a merchant's setup
 * error stays a 500, with its message kept and code `gateway_misconfigured`.
 */
const MEDUSA_ERROR: Record<GatewayErrorKind, { type: string; code?: string }> = {
  rejected: { type: MedusaError.Types.INVALID_DATA },
  misconfigured: { type: MedusaError.Types.UNEXPECTED_STATE, code: "gateway_misconfigured" },
  unavailable: { type: MedusaError.Types.PAYMENT_AUTHORIZATION_ERROR, code: "gateway_unavailable" },
  unsupported: { type: MedusaError.Types.NOT_ALLOWED },
}

export class GatewayError extends Error {
  readonly gateway: string
  readonly kind: GatewayErrorKind
  /** The gateway's own error code, when it gave one. */
  readonly code?: string
  readonly httpStatus?: number

  constructor(input: {
    gateway: string
    kind: GatewayErrorKind
    message: string
    code?: string
    httpStatus?: number
  }) {
    super(input.message)
    this.name = "GatewayError"
    this.gateway = input.gateway
    this.kind = input.kind
    this.code = input.code
    this.httpStatus = input.httpStatus
  }

  toMedusaError(): MedusaError {
    const { type, code } = MEDUSA_ERROR[this.kind]
    return new MedusaError(type, this.message, code ?? this.code)
  }
}

/** Rethrows a GatewayError as the MedusaError the storefront and admin see. */
export function asMedusaError(error: unknown): unknown {
  return error instanceof GatewayError ? error.toMedusaError() : error
}
