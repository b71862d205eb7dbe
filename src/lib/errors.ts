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

const MEDUSA_TYPE: Record<GatewayErrorKind, string> = {
  rejected: MedusaError.Types.INVALID_DATA,
  misconfigured: MedusaError.Types.UNEXPECTED_STATE,
  unavailable: MedusaError.Types.UNEXPECTED_STATE,
  unsupported: MedusaError.Types.NOT_ALLOWED,
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
    return new MedusaError(MEDUSA_TYPE[this.kind], this.message, this.code)
  }
}

/** Rethrows a GatewayError as the MedusaError the storefront and admin see. */
export function asMedusaError(error: unknown): unknown {
  return error instanceof GatewayError ? error.toMedusaError() : error
}
