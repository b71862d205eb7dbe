/**
 * Writing and reading request bodies as exact text, for gateways whose
 * signatures or notifications depend on how a value was written
 * (a JSON `100.50` is not `100.5` to a lexeme-preserving reader).
 */

/** A JSON number written exactly as given, e.g. `100.50`. */
export class JsonLexeme {
  constructor(readonly text: string) {}
}

export type BodyValue = string | number | boolean | null | JsonLexeme | { [key: string]: BodyValue }

/** `JSON.stringify` for an object, except that JsonLexeme values are written as their text. */
export function jsonText(value: BodyValue): string {
  if (value instanceof JsonLexeme) return value.text
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`)
      .join(",")}}`
  }
  return JSON.stringify(value)
}

/**
 * An application/x-www-form-urlencoded body as PHP's `http_build_query` writes it:
 * nested objects as `a[b]=`, nulls left out, booleans as 1/0, numbers as written.
 */
export function formText(fields: { [key: string]: BodyValue }): string {
  const pairs: string[] = []
  const add = (name: string, value: BodyValue) => {
    if (value === null) return
    if (value instanceof JsonLexeme) return pairs.push(`${encode(name)}=${encode(value.text)}`)
    if (typeof value === "object") {
      for (const [k, v] of Object.entries(value)) add(`${name}[${k}]`, v)
      return
    }
    pairs.push(`${encode(name)}=${encode(typeof value === "boolean" ? (value ? "1" : "0") : String(value))}`)
  }
  for (const [k, v] of Object.entries(fields)) add(k, v)
  return pairs.join("&")
}

/** PHP `urlencode`: everything but [A-Za-z0-9_.-] percent-encoded, space as `+`. */
function encode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+")
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/**
 * The text of the number at `key` in the top-level object of a JSON document,
 * exactly as written (the last one if the key repeats, as `JSON.parse` keeps the last);
 * undefined when absent or not a number. Expects valid JSON.
 */
export function topLevelNumberLexeme(raw: string, key: string): string | undefined {
  let depth = 0
  let found: string | undefined
  let i = 0
  while (i < raw.length) {
    const c = raw[i]
    if (c === '"') {
      const start = i
      i++
      while (i < raw.length && raw[i] !== '"') i += raw[i] === "\\" ? 2 : 1
      i++
      if (depth !== 1) continue
      let j = i
      while (/\s/.test(raw[j] ?? "")) j++
      if (raw[j] !== ":" || JSON.parse(raw.slice(start, i)) !== key) continue
      j++
      while (/\s/.test(raw[j] ?? "")) j++
      NUMBER.lastIndex = j
      const match = NUMBER.exec(raw)
      found = match ? match[0] : undefined
      continue
    }
    if (c === "{" || c === "[") depth++
    else if (c === "}" || c === "]") depth--
    i++
  }
  return found
}
