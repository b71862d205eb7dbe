/** The hosted payment page every emulated gateway shows: details and action buttons. */
export function paymentPage(input: {
  gateway: string
  title: string
  rows: Array<[string, string]>
  actions: Array<{ label: string; action: string }>
  message?: string
}): string {
  const escape = (text: string) =>
    text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  const rows = input.rows
    .map(([label, value]) => `<tr><th>${escape(label)}</th><td>${escape(value)}</td></tr>`)
    .join("")
  const actions = input.actions
    .map(
      (a) =>
        `<form method="post" action="${escape(a.action)}"><button type="submit">${escape(a.label)}</button></form>`
    )
    .join("")
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(input.gateway)} sandbox — ${escape(input.title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}th{text-align:left;padding-right:1rem}
form{display:inline-block;margin:1rem 1rem 0 0}button{font-size:1.1rem;padding:.5rem 1.5rem}</style></head>
<body><h1>${escape(input.gateway)} sandbox</h1><h2>${escape(input.title)}</h2>
${input.message ? `<p>${escape(input.message)}</p>` : ""}<table>${rows}</table>${actions}</body></html>`
}

/** JSON for scripted clients (tests, the demo), HTML for people. */
export function wantsJson(accept: string | undefined): boolean {
  return !!accept && accept.includes("application/json")
}
