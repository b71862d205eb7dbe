export * from "./process-gateway-event"
export * from "./sync-order-gateway-payments"
export * from "./record-refund-made-at-gateway"
