import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { ExchangerProviderService } from "./service"

export default ModuleProvider(Modules.PAYMENT, {
  services: [ExchangerProviderService],
})
