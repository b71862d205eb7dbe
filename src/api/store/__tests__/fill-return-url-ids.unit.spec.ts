import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { fillReturnUrlIds } from "../fill-return-url-ids"

/** The middleware on a request for collection `id`, whose order link Query answers with `orderId`. */
async function run(body: Record<string, unknown>, collection: { id: string; order?: { id: string } | null } | undefined) {
  const asked: unknown[] = []
  const req = {
    params: { id: "pay_col_01" },
    body,
    scope: {
      resolve: () => ({
        graph: async (query: unknown) => {
          asked.push(query)
          return { data: collection ? [collection] : [] }
        },
      }),
    },
  } as unknown as MedusaRequest
  let passed: unknown = "not called"
  await fillReturnUrlIds(req, {} as MedusaResponse, ((error?: unknown) => (passed = error)) as MedusaNextFunction)
  return { body: req.body, asked, passed }
}

describe("fillReturnUrlIds", () => {
  it("writes the collection's id and its order's over what the storefront sent", async () => {
    const { body, passed } = await run(
      { provider_id: "pp_rubitpay_hold", data: { payway: "sbp", payment_collection_id: "pay_col_forged", order_id: "order_forged" } },
      { id: "pay_col_01", order: { id: "order_01" } }
    )
    expect(passed).toBeUndefined()
    expect(body).toEqual({ provider_id: "pp_rubitpay_hold", data: { payway: "sbp", payment_collection_id: "pay_col_01", order_id: "order_01" } })
  })

  it("a checkout's collection has no order: a written order_id is removed", async () => {
    const { body } = await run({ provider_id: "pp_exchanger_obmin", data: { order_id: "order_forged" } }, { id: "pay_col_01", order: null })
    expect(body).toEqual({ provider_id: "pp_exchanger_obmin", data: { payment_collection_id: "pay_col_01" } })
  })

  it("leaves Romb (no return URL template; it refuses unknown keys) and other providers alone", async () => {
    for (const provider_id of ["pp_romb_romb", "pp_system_default"]) {
      const { body, asked } = await run({ provider_id, data: { email: "a@example.com" } }, { id: "pay_col_01", order: { id: "order_01" } })
      expect(body).toEqual({ provider_id, data: { email: "a@example.com" } })
      expect(asked).toHaveLength(0)
    }
  })

  it("leaves a missing collection to Medusa's 404", async () => {
    const { body, passed } = await run({ provider_id: "pp_rubitpay_hold", data: {} }, undefined)
    expect(body).toEqual({ provider_id: "pp_rubitpay_hold", data: {} })
    expect(passed).toBeUndefined()
  })
})
