import { rombOptionsSchema } from "../../providers/romb/schemas"
import { parseProviderOptions } from "../options"

describe("parseProviderOptions", () => {
  const valid = { uid: "u-1", publicKey: "pub-key", privateKey: "very-secret-private" }

  it("applies defaults", () => {
    const options = parseProviderOptions("Romb", rombOptionsSchema, valid)
    expect(options.baseUrl).toBe("https://romb.mx")
    expect(options.timeoutMs).toBe(15000)
  })

  it("names the gateway and every bad option, without echoing values", () => {
    let message = ""
    try {
      parseProviderOptions("Romb", rombOptionsSchema, {
        uid: "u-1",
        privateKey: "",
        baseUrl: "ftp://very-secret-host",
        timeoutMs: 5,
      })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^Romb payment provider options are invalid/)
    expect(message).toContain("`publicKey`")
    expect(message).toContain("`privateKey`")
    expect(message).toContain("`baseUrl`")
    expect(message).toContain("`timeoutMs`")
    expect(message).not.toContain("very-secret")
  })

  it("strips a trailing slash from URLs", () => {
    const options = parseProviderOptions("Romb", rombOptionsSchema, {
      ...valid,
      baseUrl: "http://127.0.0.1:9911/romb/",
    })
    expect(options.baseUrl).toBe("http://127.0.0.1:9911/romb")
  })
})
