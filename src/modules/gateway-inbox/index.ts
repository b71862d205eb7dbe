import { Module } from "@medusajs/framework/utils"
import GatewayInboxModuleService from "./service"

export const GATEWAY_INBOX_MODULE = "gatewayInbox"

export default Module(GATEWAY_INBOX_MODULE, {
  service: GatewayInboxModuleService,
})
