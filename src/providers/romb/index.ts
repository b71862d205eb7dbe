import { ModuleProvider, Modules } from "@medusajs/framework/utils"
import { RombProviderService } from "./service"

export default ModuleProvider(Modules.PAYMENT, {
  services: [RombProviderService],
})
