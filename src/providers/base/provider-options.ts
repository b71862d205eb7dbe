import { configManager } from "@medusajs/framework/config"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"

/** A provider class as Medusa registers it: its human name and its static `identifier`. */
export type ProviderKind = { gateway: string; identifier: string }

/**
 * Validates a provider's option block at boot. The message names the
 * registration (`pp_rubitpay_hold`), each bad option and what is expected,
 * and never echoes a value (option blocks hold secrets). Unknown options are
 * errors, with the closest known name: a misspelled optional key would
 * otherwise fall back to its default without a word.
 */
export function parseProviderOptions<S extends z.ZodType>(kind: ProviderKind, schema: S, options: unknown): z.infer<S> {
  const result = schema.safeParse(options ?? {})
  if (result.success) {
    return result.data
  }
  const suggested = new Set<string>()
  const unknownKeys = result.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => {
          const suggestion = closestKey(key, knownKeysAt(schema, issue.path))
          if (suggestion) suggested.add(optionPath([...issue.path, suggestion]))
          return `unknown option \`${optionPath([...issue.path, key])}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ""}`
        })
      : []
  )
  const otherProblems = result.error.issues
    // a key missing because it was misspelled is already named by its unknown twin
    .filter((issue) => issue.code !== "unrecognized_keys" && !(suggested.has(optionPath(issue.path)) && isMissing(options, issue.path)))
    .map((issue) => (issue.path.length ? `\`${optionPath(issue.path)}\`: ${issue.message}` : issue.message))
  throw new MedusaError(
    MedusaError.Types.INVALID_DATA,
    `${registrationName(kind, options)} options are invalid: ${[...unknownKeys, ...otherProblems].join("; ")}`
  )
}

/**
 * "RubitPay payment provider `pp_rubitpay_hold`": Medusa hands `validateOptions`
 * and the constructor only the options object, so the registration is found
 * by that very object in Medusa's loaded config. Outside a booted app (unit
 * tests), or for a copy, the gateway's name has to do.
 */
function registrationName({ gateway, identifier }: ProviderKind, options: unknown): string {
  const registration = typeof options === "object" && options !== null ? registrationOf(options) : undefined
  if (!registration) {
    return `${gateway} payment provider`
  }
  // the id Medusa's payment module gives the registration (@medusajs/payment loaders/providers)
  return `${gateway} payment provider \`pp_${identifier}${registration.id ? `_${registration.id}` : ""}\``
}

const configuredModuleSchema = z.object({
  options: z.object({ providers: z.array(z.object({ id: z.string().optional(), options: z.unknown() })) }),
})

function registrationOf(options: object): { id?: string } | undefined {
  // `baseDir` is set with the config; reading `config` before that warns (throws in production)
  if (!configManager.baseDir) return undefined
  for (const module of Object.values(configManager.config.modules ?? {})) {
    const parsed = configuredModuleSchema.safeParse(module)
    const registration = parsed.success ? parsed.data.options.providers.find((provider) => provider.options === options) : undefined
    if (registration) return registration
  }
  return undefined
}

function optionPath(path: PropertyKey[]): string {
  return path.map(String).join(".")
}

function isMissing(options: unknown, path: PropertyKey[]): boolean {
  const parent = path.slice(0, -1).reduce<unknown>((value, key) => (isRecord(value) ? value[String(key)] : undefined), options)
  return isRecord(parent) && parent[String(path[path.length - 1])] === undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null
}

/** The option names the object schema at `path` knows. */
function knownKeysAt(schema: z.core.$ZodType, path: PropertyKey[]): string[] {
  if (schema instanceof z.ZodPipe) return knownKeysAt(schema.in, path)
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return knownKeysAt(schema.unwrap(), path)
  const [segment, ...rest] = path
  if (schema instanceof z.ZodObject) {
    if (segment === undefined) return Object.keys(schema.shape)
    const field: unknown = schema.shape[String(segment)]
    return field instanceof z.core.$ZodType ? knownKeysAt(field, rest) : []
  }
  if (schema instanceof z.ZodRecord) return knownKeysAt(schema.valueType, rest)
  if (schema instanceof z.ZodArray) return knownKeysAt(schema.element, rest)
  return []
}

/** The known name a misspelled one was most likely meant to be, if it is within a typo of it. */
function closestKey(key: string, known: string[]): string | undefined {
  const maxDistance = Math.max(2, Math.floor(key.length / 3))
  let closest: { key: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (distance <= maxDistance && (!closest || distance < closest.distance)) closest = { key: candidate, distance }
  }
  return closest?.key
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
