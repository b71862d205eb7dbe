export * from "./process-gateway-event"
