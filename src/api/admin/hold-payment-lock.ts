import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { lockPayment } from "../../gateway-events/payment-lock"

/**
 * Medusa's own refund route (`POST /admin/payments/:id/refund`) holds the
 * payment's lock until it has answered, as "record a refund made at the
 * gateway" does: a normal refund can then never take that record's marker
 * (and be recorded without calling the gateway), nor the record its refund.
 */
export async function holdPaymentLockUntilAnswered(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  let release: () => Promise<void>
  try {
    release = await lockPayment(req.scope, req.params.id)
  } catch (error) {
    return next(error)
  }
  let released = false
  const done = () => {
    if (released) return
    released = true
    release().catch(() => undefined)
  }
  res.on("finish", done)
  res.on("close", done)
  next()
}
