import fs from "node:fs"
import path from "node:path"

/**
 * Only public Medusa API: a member whose name ends in "_" is a class's
 * internal state by Medusa's convention (`paymentProviderService_`,
 * `baseRepository_`, `__container__`), renamed at will between minors. The
 * plugin's own classes keep theirs behind `this.`; anything else that reads
 * such a member, by `.name_` or by a quoted name, reads someone else's.
 */
const SRC = path.join(__dirname, "..")

export function privateMemberReads(source: string): string[] {
  const found: string[] = []
  for (const match of source.matchAll(/(\bthis)?\??\.\s*([A-Za-z_$][\w$]*_)(?![\w$])/g)) {
    if (!match[1]) found.push(`.${match[2]}`)
  }
  // by a quoted name: `"name_" in object`, `object["name_"]`
  for (const match of source.matchAll(/(\[\s*)?["'`]([A-Za-z_$][\w$]*_)["'`](\s*in\b)?/g)) {
    if (match[1] || match[3]) found.push(`"${match[2]}"`)
  }
  return found
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "__tests__" ? [] : sourceFiles(file)
    return /\.(ts|tsx)$/.test(entry.name) ? [file] : []
  })
}

describe("the plugin's sources", () => {
  it("flag what reading Medusa's internals looks like, and not the plugin's own members", () => {
    // what registry.ts did before 0.1.0 shipped
    expect(privateMemberReads(`const lookup = paymentModule.paymentProviderService_`)).toEqual([".paymentProviderService_"])
    expect(privateMemberReads(`if (!("paymentProviderService_" in service)) return false`)).toEqual(['"paymentProviderService_"'])
    expect(privateMemberReads(`const provider = container.__container__[id]`)).toEqual([".__container__"])
    expect(privateMemberReads(`module["baseRepository_"].serialize(x)`)).toEqual(['"baseRepository_"'])
    expect(privateMemberReads(`module?.baseRepository_.serialize(x)`)).toEqual([".baseRepository_"])
    expect(privateMemberReads(`this.options_.secretKey; this.logger_?.warn("x"); const snake_case = "pp_"; key === "__proto__"`)).toEqual([])
  })

  it("read no private member of Medusa's (or anyone's) objects", () => {
    const files = sourceFiles(SRC)
    expect(files.length).toBeGreaterThan(50)
    const reads = files.flatMap((file) =>
      privateMemberReads(fs.readFileSync(file, "utf8")).map((read) => `${path.relative(SRC, file)}: ${read}`)
    )
    expect(reads).toEqual([])
  })
})
