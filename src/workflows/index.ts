export * from "./process-gateway-event"
export * from "./sync-order-gateway-payments"
