import {
  createApiKeysWorkflow,
  createInventoryLevelsWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createSalesChannelsWorkflow,
  createShippingOptionsWorkflow,
  createShippingProfilesWorkflow,
  createStockLocationsWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
  updateStoresWorkflow,
} from "@medusajs/medusa/core-flows"
import { ContainerRegistrationKeys, Modules, ProductStatus } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"

export type SeededStore = {
  regionId: string
  salesChannelId: string
  publishableKey: string
  productId: string
  variantId: string
  shippingOptionId: string
  stockLocationId: string
}

/**
 * A minimal store that can sell: a region in the currency with the given
 * payment providers, a sales channel and publishable key, a warehouse
 * shipping to Russia, one shipping option and one product.
 */
export async function seedStore(
  container: MedusaContainer,
  options: { currencyCode?: string; paymentProviderIds: string[] }
): Promise<SeededStore> {
  const currency = options.currencyCode ?? "rub"
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const fulfillment = container.resolve(Modules.FULFILLMENT)
  const storeModule = container.resolve(Modules.STORE)

  const {
    result: [salesChannel],
  } = await createSalesChannelsWorkflow(container).run({
    input: { salesChannelsData: [{ name: "Webshop" }] },
  })

  const [store] = await storeModule.listStores()
  await updateStoresWorkflow(container).run({
    input: {
      selector: { id: store.id },
      update: {
        supported_currencies: [{ currency_code: currency, is_default: true }],
        default_sales_channel_id: salesChannel.id,
      },
    },
  })

  const {
    result: [region],
  } = await createRegionsWorkflow(container).run({
    input: {
      regions: [
        {
          name: "Russia",
          currency_code: currency,
          countries: ["ru"],
          payment_providers: options.paymentProviderIds,
          automatic_taxes: false,
        },
      ],
    },
  })

  const {
    result: [shippingProfile],
  } = await createShippingProfilesWorkflow(container).run({
    input: { data: [{ name: "Default", type: "default" }] },
  })

  const {
    result: [stockLocation],
  } = await createStockLocationsWorkflow(container).run({
    input: { locations: [{ name: "Moscow warehouse", address: { city: "Moscow", country_code: "RU", address_1: "Tverskaya 1" } }] },
  })
  await linkSalesChannelsToStockLocationWorkflow(container).run({
    input: { id: stockLocation.id, add: [salesChannel.id] },
  })
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: stockLocation.id },
    [Modules.FULFILLMENT]: { fulfillment_provider_id: "manual_manual" },
  })
  const fulfillmentSet = await fulfillment.createFulfillmentSets({
    name: "Moscow delivery",
    type: "shipping",
    service_zones: [{ name: "Russia", geo_zones: [{ country_code: "ru", type: "country" }] }],
  })
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: stockLocation.id },
    [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
  })

  const {
    result: [shippingOption],
  } = await createShippingOptionsWorkflow(container).run({
    input: [
      {
        name: "Courier",
        price_type: "flat",
        provider_id: "manual_manual",
        service_zone_id: fulfillmentSet.service_zones[0].id,
        shipping_profile_id: shippingProfile.id,
        type: { label: "Courier", description: "Next day", code: "courier" },
        prices: [{ currency_code: currency, amount: 300 }],
        rules: [
          { attribute: "enabled_in_store", value: "true", operator: "eq" },
          { attribute: "is_return", value: "false", operator: "eq" },
        ],
      },
    ],
  })

  const {
    result: [apiKey],
  } = await createApiKeysWorkflow(container).run({
    input: { api_keys: [{ title: "Webshop", type: "publishable", created_by: "" }] },
  })
  await linkSalesChannelsToApiKeyWorkflow(container).run({
    input: { id: apiKey.id, add: [salesChannel.id] },
  })

  const {
    result: [product],
  } = await createProductsWorkflow(container).run({
    input: {
      products: [
        {
          title: "Samovar",
          handle: "samovar",
          status: ProductStatus.PUBLISHED,
          shipping_profile_id: shippingProfile.id,
          options: [{ title: "Size", values: ["5 l"] }],
          variants: [
            {
              title: "5 l",
              sku: "SAMOVAR-5L",
              options: { Size: "5 l" },
              manage_inventory: false,
              prices: [{ amount: 1490.5, currency_code: currency }],
            },
          ],
          sales_channels: [{ id: salesChannel.id }],
        },
      ],
    },
  })

  return {
    regionId: region.id,
    salesChannelId: salesChannel.id,
    publishableKey: apiKey.token,
    productId: product.id,
    variantId: product.variants[0].id,
    shippingOptionId: shippingOption.id,
    stockLocationId: stockLocation.id,
  }
}

/**
 * A product whose one variant Medusa manages stock for, with `stock` units in
 * the seeded warehouse (for races over the last unit). Its variant id.
 */
export async function seedStockedVariant(container: MedusaContainer, seeded: SeededStore, stock: number): Promise<string> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const [{ id: shippingProfileId }] = await container.resolve(Modules.FULFILLMENT).listShippingProfiles({ type: "default" })
  const { data: stores } = await query.graph({ entity: "store", fields: ["supported_currencies.currency_code"] })
  const currency = (stores[0] as { supported_currencies: { currency_code: string }[] }).supported_currencies[0].currency_code
  const {
    result: [product],
  } = await createProductsWorkflow(container).run({
    input: {
      products: [
        {
          title: "Last samovar",
          status: ProductStatus.PUBLISHED,
          shipping_profile_id: shippingProfileId,
          options: [{ title: "Size", values: ["3 l"] }],
          variants: [
            {
              title: "3 l",
              sku: `SAMOVAR-3L-${Date.now()}`,
              options: { Size: "3 l" },
              manage_inventory: true,
              prices: [{ amount: 990.5, currency_code: currency }],
            },
          ],
          sales_channels: [{ id: seeded.salesChannelId }],
        },
      ],
    },
  })
  const variantId = product.variants[0].id
  const { data: variants } = await query.graph({
    entity: "product_variant",
    fields: ["inventory_items.inventory_item_id"],
    filters: { id: variantId },
  })
  const inventoryItemId = (variants[0] as { inventory_items: { inventory_item_id: string }[] }).inventory_items[0].inventory_item_id
  await createInventoryLevelsWorkflow(container).run({
    input: { inventory_levels: [{ inventory_item_id: inventoryItemId, location_id: seeded.stockLocationId, stocked_quantity: stock }] },
  })
  return variantId
}
