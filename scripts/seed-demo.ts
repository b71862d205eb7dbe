import type { ExecArgs } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import fs from "node:fs"
import path from "node:path"
import { seedStore } from "../integration-tests/helpers/seed-store"

/**
 * `medusa exec ./scripts/seed-demo.ts`: the demo store (a RUB region with the
 * plugin's providers, a product, a publishable key). Writes what the demo
 * script needs to `.demo-data/store.json`; seeds once per database.
 */
export default async function seedDemo({ container }: ExecArgs) {
  const file = path.join(process.cwd(), ".demo-data", "store.json")
  const [region] = await container.resolve(Modules.REGION).listRegions({ name: "Russia" })
  if (region && fs.existsSync(file)) {
    return
  }
  const providerIds = (process.env.DEMO_PROVIDER_IDS ?? "pp_romb_romb").split(",")
  const seeded = await seedStore(container, { paymentProviderIds: providerIds })
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, JSON.stringify(seeded, null, 2))
}
