import type { Response } from "express"

/** A button on a hosted page: a form posting to `action`; `testId` is both its `id` and its `data-testid`. */
export type PageAction = { label: string; action: string; testId: string; tone?: "primary" | "danger" | "plain" }

/**
 * The hosted payment page every emulated gateway shows: gateway name and amount
 * in the title, the payment's details, the customer's buttons and, optionally, a
 * second group of tester's buttons. Self-contained (inline CSS, no scripts, no
 * external resources), so a browser test can screenshot it. Stable hooks for
 * tests: `data-testid` = gateway, amount, title, status, message, return, and each button's `testId`.
 */
export function paymentPage(input: {
  gateway: string
  /** e.g. "2990.00 RUB"; shown large and in the document title. */
  amount?: string
  title: string
  status?: string
  rows: Array<[string, string]>
  actions: PageAction[]
  tools?: { heading: string; note?: string; actions: PageAction[] }
  message?: string
  /** A plain link, e.g. the exchanger's "return to the shop". */
  link?: { label: string; href: string; testId: string }
}): string {
  const rows = input.rows
    .map(([label, value]) => `<tr><th>${escape(label)}</th><td>${escape(value)}</td></tr>`)
    .join("")
  const status =
    input.status === undefined ? "" : `<tr><th>Status</th><td data-testid="status">${escape(input.status)}</td></tr>`
  const tools = input.tools?.actions.length
    ? `<section class="tools"><h3>${escape(input.tools.heading)}</h3>${
        input.tools.note ? `<p>${escape(input.tools.note)}</p>` : ""
      }<div class="actions">${input.tools.actions.map(button).join("")}</div></section>`
    : ""
  const documentTitle = [`${input.gateway} sandbox`, input.amount, input.title].filter(Boolean).join(" — ")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${escape(documentTitle)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827;margin:0;padding:2rem 1rem}
main{max-width:34rem;margin:0 auto;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.12);padding:1.5rem 2rem 2rem}
h1{font-size:1.4rem;margin:0}.badge{font-size:.75rem;font-weight:600;background:#fde68a;color:#78350f;border-radius:4px;padding:.15rem .45rem;vertical-align:middle}
.amount{font-size:2rem;font-weight:700;margin:.75rem 0 .25rem}h2{font-size:1rem;font-weight:500;color:#4b5563;margin:0 0 1rem}
.message{background:#eff6ff;border:1px solid #bfdbfe;border-radius:8px;padding:.75rem 1rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e5e7eb}th{color:#6b7280;font-weight:500;width:40%}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}form{margin:0}
button{font-size:1.05rem;padding:.6rem 1.4rem;border-radius:8px;border:1px solid #d1d5db;background:#fff;cursor:pointer}
button.primary{background:#2563eb;border-color:#2563eb;color:#fff}button.danger{color:#b91c1c;border-color:#fca5a5}
.tools{margin-top:2rem;padding-top:1rem;border-top:1px dashed #d1d5db}.tools h3{font-size:.9rem;margin:0}.tools p{font-size:.85rem;color:#6b7280;margin:.25rem 0 0}
.tools button{font-size:.85rem;padding:.35rem .8rem}a.return{display:inline-block;margin-top:1rem;font-size:1.05rem}
footer{margin-top:1.5rem;font-size:.8rem;color:#9ca3af}
</style></head>
<body><main>
<h1 data-testid="gateway">${escape(input.gateway)} <span class="badge">sandbox</span></h1>
${input.amount ? `<p class="amount" data-testid="amount">${escape(input.amount)}</p>` : ""}<h2 data-testid="title">${escape(input.title)}</h2>
${input.message ? `<p class="message" role="status" data-testid="message">${escape(input.message)}</p>` : ""}<table>${rows}${status}</table>
${input.actions.length ? `<div class="actions">${input.actions.map(button).join("")}</div>` : ""}${
    input.link
      ? `<a class="return" href="${escape(input.link.href)}" id="${escape(input.link.testId)}" data-testid="${escape(input.link.testId)}">${escape(input.link.label)}</a>`
      : ""
  }${tools}
<footer>Sandbox emulator: no real money moves.</footer>
</main></body></html>`
}

function button(a: PageAction): string {
  const id = escape(a.testId)
  return `<form method="post" action="${escape(a.action)}"><button type="submit" id="${id}" data-testid="${id}" class="${a.tone ?? "plain"}">${escape(a.label)}</button></form>`
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** JSON for scripted clients (tests, the demo), HTML for people. */
export function wantsJson(accept: string | undefined): boolean {
  return !!accept && accept.includes("application/json")
}

/** `url` if it is an absolute http(s) URL (so never `javascript:` in a Location), else undefined. */
export function httpUrl(url: unknown): string | undefined {
  if (typeof url !== "string" || !url) return undefined
  try {
    const parsed = new URL(url)
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? url : undefined
  } catch {
    return undefined
  }
}

/**
 * `url` with `name=value` appended to its query: after `?` when it has none, after `&` when it has one
 * (nothing when it already ends in `?` or `&`), before any `#fragment`. The rest is kept as written.
 */
export function withQueryParam(url: string, name: string, value: string): string {
  const hashAt = url.indexOf("#")
  const base = hashAt === -1 ? url : url.slice(0, hashAt)
  const fragment = hashAt === -1 ? "" : url.slice(hashAt)
  const separator = !base.includes("?") ? "?" : /[?&]$/.test(base) ? "" : "&"
  return `${base}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}${fragment}`
}

/** The customer's browser is sent back to the shop: 303 See Other, so it follows with a GET. */
export function seeOther(res: Response, url: string) {
  res.redirect(303, url)
}
