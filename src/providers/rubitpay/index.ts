import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { RubitPayProviderService } from "./service"

export default ModuleProvider(Modules.PAYMENT, {
  services: [RubitPayProviderService],
})
