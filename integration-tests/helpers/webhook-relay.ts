import http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A webhook chaos relay: the address the sandbox gateways notify (Romb's and
 * RubitPay's callback URLs, the exchangers' IPN URL through the app's
 * MEDUSA_BACKEND_URL). It answers the gateway 200 at once, then, per
 * notification, drops it, or forwards it once or three times, each copy after
 * a random delay (so copies, and different statuses of one payment, arrive
 * late and out of order) to a randomly chosen instance, retrying a copy that
 * got no 2xx (or no answer) with backoff, as a gateway would. Every decision
 * comes from a PRNG seeded with `seed` and keyed by the notification (its
 * label, status and occurrence), so the same seed and labels replay the same
 * chaos whatever order the notifications arrive in. It keeps a record of
 * everything it did.
 */

export type RelayOptions = {
  seed: number
  /** Share of notifications never forwarded. */
  dropRate: number
  /** Share of the forwarded ones sent three times (the rest: once). */
  tripleRate: number
  /** Each copy waits a uniformly random 0..maxDelayMs before its first attempt. */
  maxDelayMs: number
  /** Waits before the retries of a copy that got no 2xx: one retry per entry. */
  retryDelaysMs: number[]
  /** Per attempt. */
  timeoutMs?: number
}

export type RelayedCopy = {
  target: string
  delayMs: number
  /** HTTP status of each attempt, or the network error's message. */
  attempts: Array<number | string>
  delivered: boolean
  deliveredAt?: number
}

export type RelayedNotification = {
  seq: number
  receivedAt: number
  /** Path and raw query as the gateway called the relay (forwarded unchanged). */
  path: string
  query: string
  contentType: string
  body: string
  /** The hook's provider, e.g. `romb_romb`; the session and status the notification names. */
  provider: string
  sessionId?: string
  status?: string
  /** The decision key (label or session, status, occurrence). */
  key: string
  fate: "dropped" | "once" | "tripled"
  copies: RelayedCopy[]
}

export type WebhookRelay = {
  url: string
  /** The instances copies go to (each copy picks one at random). */
  setTargets(urls: string[]): void
  /** Keys the session's notifications by `label` (e.g. the checkout's index) instead of the random session id. */
  label(sessionId: string, label: string): void
  notifications: RelayedNotification[]
  /** Resolves once every copy scheduled so far has been delivered or given up. */
  idle(): Promise<void>
  close(): Promise<void>
}

const HOOK_PATH = /^\/hooks\/payment-gateways\/([A-Za-z0-9_-]+)$/

/** cyrb53: a string to a 53-bit hash, to seed one PRNG per notification. */
function hash(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A PRNG for one named decision under a run's seed. */
export function keyedPrng(seed: number, key: string): () => number {
  return prng(hash(key, seed))
}

/** The session and status a gateway notification names: Romb (JSON or form), RubitPay (JSON), exchanger IPN (form, session in the query). */
function describe(body: string, query: string): { sessionId?: string; status?: string } {
  let fields: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(body)
    if (parsed && typeof parsed === "object") fields = parsed
  } catch {
    fields = Object.fromEntries(new URLSearchParams(body))
  }
  const fromQuery = new URLSearchParams(query).get("session_id") ?? undefined
  const text = (value: unknown) => (typeof value === "string" && value ? value : undefined)
  return {
    sessionId: fromQuery ?? text(fields.order_id) ?? text(fields.shop_order_id),
    status: text(fields.status) ?? text(fields.newStatus),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function startWebhookRelay(options: RelayOptions): Promise<WebhookRelay> {
  let targets: string[] = []
  const labels = new Map<string, string>()
  const occurrences = new Map<string, number>()
  const notifications: RelayedNotification[] = []
  const pending = new Set<Promise<void>>()

  async function deliver(notification: RelayedNotification, copy: RelayedCopy) {
    await sleep(copy.delayMs)
    const waits = [0, ...options.retryDelaysMs]
    for (const wait of waits) {
      if (wait) await sleep(wait)
      try {
        const response = await fetch(`${copy.target}${notification.path}${notification.query ? `?${notification.query}` : ""}`, {
          method: "POST",
          headers: { "content-type": notification.contentType },
          body: notification.body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        })
        await response.arrayBuffer().catch(() => undefined)
        copy.attempts.push(response.status)
        if (response.status >= 200 && response.status < 300) {
          copy.delivered = true
          copy.deliveredAt = Date.now()
          return
        }
      } catch (error) {
        copy.attempts.push((error as Error).message)
      }
    }
  }

  function schedule(notification: RelayedNotification) {
    const random = keyedPrng(options.seed, notification.key)
    if (random() < options.dropRate) {
      notification.fate = "dropped"
      return
    }
    const copies = random() < options.tripleRate ? 3 : 1
    notification.fate = copies === 3 ? "tripled" : "once"
    for (let i = 0; i < copies; i++) {
      const copy: RelayedCopy = {
        target: targets[Math.floor(random() * targets.length)],
        delayMs: Math.floor(random() * options.maxDelayMs),
        attempts: [],
        delivered: false,
      }
      notification.copies.push(copy)
      const delivery = deliver(notification, copy).finally(() => pending.delete(delivery))
      pending.add(delivery)
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const rawUrl = req.url ?? "/"
      const mark = rawUrl.indexOf("?")
      const path = mark === -1 ? rawUrl : rawUrl.slice(0, mark)
      const query = mark === -1 ? "" : rawUrl.slice(mark + 1)
      const hook = HOOK_PATH.exec(path)
      if (req.method !== "POST" || !hook || !targets.length) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "not a webhook path, or no instance to relay to" }))
        return
      }
      // the gateway is answered before anything is forwarded
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ received: true }))
      const body = Buffer.concat(chunks).toString("utf8")
      const { sessionId, status } = describe(body, query)
      const base = `${hook[1]}|${(sessionId && labels.get(sessionId)) ?? sessionId ?? body}|${status ?? ""}`
      const occurrence = (occurrences.get(base) ?? 0) + 1
      occurrences.set(base, occurrence)
      const notification: RelayedNotification = {
        seq: notifications.length,
        receivedAt: Date.now(),
        path,
        query,
        contentType: String(req.headers["content-type"] ?? "application/octet-stream"),
        body,
        provider: hook[1],
        sessionId,
        status,
        key: `${base}|${occurrence}`,
        fate: "once",
        copies: [],
      }
      notifications.push(notification)
      schedule(notification)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    setTargets(urls) {
      targets = [...urls]
    },
    label(sessionId, label) {
      labels.set(sessionId, label)
    },
    notifications,
    async idle() {
      while (pending.size) await Promise.allSettled([...pending])
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
