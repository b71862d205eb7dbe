/**
 * Fills the `{placeholder}`s of a merchant's option template (a description,
 * a return URL) with the payment's values. In a URL the values are
 * percent-encoded; placeholders the template does not know stay as written.
 */
export function fillTemplate(
  template: string | undefined,
  values: Record<string, string | undefined>,
  { url = false }: { url?: boolean } = {}
): string | undefined {
  return template?.replace(/\{([a-z_]+)\}/g, (placeholder, name: string) => {
    if (!(name in values)) return placeholder
    const value = values[name] ?? ""
    return url ? encodeURIComponent(value) : value
  })
}
