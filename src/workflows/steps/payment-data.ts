import type { IPaymentModuleService } from "@medusajs/framework/types"

/**
 * Writes a payment's data. Medusa's `UpdatePaymentDTO` omits `data`, which
 * the payment module does update (and merges: a key is taken out by setting
 * it to null), so this is the one place that says so.
 */
export function updatePaymentData(paymentModule: IPaymentModuleService, id: string, data: Record<string, unknown>) {
  return paymentModule.updatePayment({ id, data } as Parameters<IPaymentModuleService["updatePayment"]>[0])
}
