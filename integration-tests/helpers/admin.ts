import { createUserAccountWorkflow } from "@medusajs/medusa/core-flows"
import { Modules } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import type { AxiosInstance } from "axios"
import { waitFor } from "./storefront"

/** An admin user, logged in through the real `/auth/user/emailpass` route. */
export async function adminHeaders(container: MedusaContainer, api: AxiosInstance) {
  const email = "admin@example.com"
  const password = "supersecret"
  const auth = container.resolve(Modules.AUTH)
  const { authIdentity, error } = await auth.register("emailpass", { body: { email, password } } as any)
  if (error || !authIdentity) throw new Error(`admin registration failed: ${error}`)
  await createUserAccountWorkflow(container).run({
    input: { authIdentityId: authIdentity.id, userData: { email } },
  })
  const { data } = await api.post("/auth/user/emailpass", { email, password })
  return { headers: { authorization: `Bearer ${data.token}` } }
}

/** The admin's notification feed (the bell), once something has arrived in it. */
export function adminFeed(api: AxiosInstance, admin: { headers: Record<string, string> }) {
  return waitFor(async () => {
    const { data } = await api.get("/admin/notifications", admin)
    return data.notifications.length ? data.notifications : undefined
  })
}
