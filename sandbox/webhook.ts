import axios from "axios"

export type WebhookDelivery = {
  url: string
  body: string
  contentType: string
  delivered: boolean
  httpStatus?: number
  error?: string
  sent_at: string
}

/** Posts a notification the way a gateway does: once, with a timeout, recording what happened. */
export async function deliverWebhook(
  url: string | undefined,
  body: string,
  contentType: string
): Promise<WebhookDelivery> {
  const sent_at = new Date().toISOString()
  if (!url) {
    return { url: "", body, contentType, delivered: false, error: "no callback URL configured", sent_at }
  }
  try {
    const response = await axios.post(url, body, {
      headers: { "Content-Type": contentType },
      timeout: 10_000,
      validateStatus: () => true,
      transformRequest: [(data) => data],
    })
    return {
      url,
      body,
      contentType,
      delivered: response.status >= 200 && response.status < 300,
      httpStatus: response.status,
      sent_at,
    }
  } catch (error) {
    return { url, body, contentType, delivered: false, error: (error as Error).message, sent_at }
  }
}
