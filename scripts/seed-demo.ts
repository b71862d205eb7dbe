import type { ExecArgs } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import fs from "node:fs"
import path from "node:path"
import { seedStore, SeededStore } from "../integration-tests/helpers/seed-store"

/**
 * `medusa exec ./scripts/seed-demo.ts`: the demo store (a RUB region with the
 * plugin's providers, a product, a publishable key). Writes what the demo
 * script needs to `<DEMO_DATA_DIR>/store.json`; seeds once per database (a
 * database seeded earlier is read back, so a lost store.json is rebuilt).
 */
export default async function seedDemo({ container }: ExecArgs) {
  const dir = process.env.DEMO_DATA_DIR ?? path.join(process.cwd(), ".demo-data")
  const file = path.join(dir, "store.json")
  const existing = await readSeededStore(container)
  const seeded =
    existing ??
    (await seedStore(container, {
      paymentProviderIds: (process.env.DEMO_PROVIDER_IDS ?? "pp_romb_romb").split(","),
    }))
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(file, JSON.stringify(seeded, null, 2))
}

/** The store `seedStore` made in this database, if it made one (found by the product's handle). */
async function readSeededStore(container: ExecArgs["container"]): Promise<SeededStore | undefined> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [product],
  } = await query.graph({
    entity: "product",
    fields: ["id", "variants.id", "sales_channels.id"],
    filters: { handle: "samovar" },
  })
  if (!product) return undefined
  const salesChannelId = product.sales_channels![0]!.id
  const { data: regions } = await query.graph({ entity: "region", fields: ["id"], filters: { name: "Russia" } })
  const { data: keys } = await query.graph({
    entity: "api_key",
    fields: ["token", "sales_channels.id"],
    filters: { type: "publishable", title: "Webshop", revoked_at: null },
  })
  const { data: options } = await query.graph({ entity: "shipping_option", fields: ["id"], filters: { name: "Courier" } })
  const { data: locations } = await query.graph({
    entity: "stock_location",
    fields: ["id"],
    filters: { name: "Moscow warehouse" },
  })
  const key = keys.find((k: any) => k.sales_channels?.some((sc: any) => sc.id === salesChannelId)) ?? keys[0]
  return {
    regionId: regions[0].id,
    salesChannelId,
    publishableKey: key.token,
    productId: product.id,
    variantId: product.variants[0].id,
    shippingOptionId: options[0].id,
    stockLocationId: locations[0].id,
  }
}
