import axios from "axios"
import http from "node:http"
import { AddressInfo } from "node:net"
// the plugin's side, which the sandbox's own signers must agree with
import { plainFields } from "../../src/lib/notification-fields"
import { parseStrictForm, parseStrictJsonObject } from "../../src/lib/webhook-body"
import { ipnChecksum, verifyIpnChecksum } from "../../src/providers/exchanger/signature"
import { readRombBody, rombSignature as pluginRombSignature, verifyRombSignature } from "../../src/providers/romb/signature"
import {
  rubitPaySignature as pluginRubitPaySignature,
  signRubitPayRequest,
  verifyRubitPaySignature,
} from "../../src/providers/rubitpay/signature"
import phpVectors from "../../src/providers/romb/__tests__/fixtures/php-vectors.json"
import pythonVectors from "../../src/providers/rubitpay/__tests__/fixtures/python-vectors.json"
import { BodyValue, JsonLexeme, topLevelNumberLexeme } from "../body-text"
import { Sandbox, startSandbox } from "../index"
import { exchangerIpnHash, phpFloat, rombSignature, rombSignatureBase, rubitPaySignature } from "../signers"

const FORM = "application/x-www-form-urlencoded"

/** A recorded Romb vector as the sandbox's signer takes it, or undefined where it is outside what the sandbox writes. */
function rombInput(vector: { body: string; contentType: string }): { fields: Record<string, BodyValue>; format: "json" | "form" } | undefined {
  try {
    if (vector.contentType.startsWith(FORM)) {
      const fields: Record<string, any> = {}
      for (const pair of vector.body.split("&")) {
        const [name, value = ""] = pair.split("=").map((part) => decodeURIComponent(part.replace(/\+/g, " ")))
        const nested = /^(\w+)\[(\w+)\]$/.exec(name)
        if (nested) (fields[nested[1]] ??= {})[nested[2]] = value
        else if (/^\w+$/.test(name)) fields[name] = value
        else return undefined
      }
      rombSignatureBase(fields, "form")
      return { fields, format: "form" }
    }
    const parsed = JSON.parse(vector.body)
    const fields: Record<string, BodyValue> = {}
    for (const [key, value] of Object.entries(parsed)) {
      if (Array.isArray(value)) return undefined
      fields[key] = typeof value === "number" ? new JsonLexeme(topLevelNumberLexeme(vector.body, key)!) : (value as BodyValue)
    }
    rombSignatureBase(fields, "json")
    return { fields, format: "json" }
  } catch {
    return undefined
  }
}

/** The plugin's strict reader refuses some vectors outright (duplicate names, mangled form names). */
function pluginReads(body: string, contentType: string): boolean {
  try {
    readRombBody(body, contentType)
    return true
  } catch {
    return false
  }
}

describe("the sandbox's signers agree with the recorded reference implementations and the plugin", () => {
  describe("Romb (PHP vectors, php-vectors.json)", () => {
    // the vectors PHP itself refuses ("invalid: ...") have no signature to compare
    const applicable = phpVectors.vectors.filter((v): v is typeof v & { base: string; sign: string } => "sign" in v && !!rombInput(v))

    it("covers the vectors within what the sandbox writes", () => {
      expect(applicable.map((v) => v.name)).toEqual([
        "doc example",
        "float with zero fraction",
        "integer amount",
        "two decimals",
        "amount as string",
        "float needing 14 digits",
        "large and small floats",
        "halfway rounding at 15 digits",
        "big integers",
        "booleans and null",
        "nested unicode and escapes",
        "duplicate keys",
        "form basic",
        "form unicode",
        "trailing ampersands in value",
        "JSON content type with charset",
        "extreme floats",
        "surrogate pair escape and raw emoji",
        "sign only",
        "form values are strings",
      ])
    })

    it.each(applicable.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
      const { fields, format } = rombInput(vector)!
      expect(rombSignatureBase(fields, format)).toBe(vector.base)
      expect(rombSignature(fields, format, phpVectors.secret)).toBe(vector.sign)
      if (pluginReads(vector.body, vector.contentType)) {
        expect(pluginRombSignature(readRombBody(vector.body, vector.contentType), phpVectors.secret)).toBe(vector.sign)
      } else {
        // the plugin's strict reader refuses duplicate names and form names without "="
        expect(["duplicate keys", "form values are strings"]).toContain(vector.name)
      }
    })

    it("writes PHP's precision-14 floats for amount lexemes", () => {
      expect(phpFloat(100.5)).toBe("100.5")
      expect(phpFloat(12345678901234.5)).toBe("12345678901234") // an exact tie rounds to even
      expect(phpFloat(12345678901235.5)).toBe("12345678901236")
      expect(phpFloat(1e15)).toBe("1.0E+15")
      expect(rombSignatureBase({ amount: new JsonLexeme("100.50") }, "json")).toBe("amount=100.5")
      expect(rombSignatureBase({ amount: new JsonLexeme("100.50") }, "form")).toBe("amount=100.50")
      expect(rombSignatureBase({ data: { a: null, b: null }, s: "x" }, "form")).toBe("s=x")
      expect(rombSignatureBase({ data: { a: null, b: "/" }, s: null }, "json")).toBe('data={"a":null,"b":"\\/"}&s=')
    })
  })

  describe("RubitPay (Python vectors, python-vectors.json)", () => {
    const signable = (body: string) => {
      try {
        rubitPaySignature(JSON.parse(body), "s")
        return true
      } catch {
        return false
      }
    }
    const applicable = pythonVectors.vectors.filter((v) => signable(v.body))

    it("covers the vectors within what the sandbox signs (strings, no numbers)", () => {
      expect(applicable.map((v) => v.name)).toEqual(["doc example", "doc full example", "add_ons object"])
    })

    it.each(applicable.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
      expect(rubitPaySignature(JSON.parse(vector.body), vector.secret)).toBe(vector.sign)
      const plugin = Object.fromEntries(parseStrictJsonObject("RubitPay", vector.body))
      expect(pluginRubitPaySignature(plugin, vector.secret)).toBe(vector.sign)
    })

    it("writes add_ons as Python's dict repr, escaping what Python escapes (recorded with Python 3.11.7)", () => {
      const body =
        '{"shop_id": "1", "shop_order_id": "payses_01", "amount": "10.00", "currency": "RUB", "payway": "p2p", "add_ons": {"payer_phone": "+79991234567", "name": "\\u00a0\\u0418\\u0432\\u0430\\u200b\\u043d\\ufeff \\u2028\\u007f\\u0085 \\u00e9 \\ud83d\\ude00 \\udb40\\udc01 \\\\ \\n\\t", "b": "it\'s", "c": "\\"q\\"", "d": "both \' \\""}, "ok": true, "none": null}'
      expect(rubitPaySignature(JSON.parse(body), "s")).toBe("e1c97680365eb27b078d2e58c362cbe330f780c90e9b1cf63de5d7f4697510da")
    })

    it("accepts what the plugin signs for the fields it sends", () => {
      const request = {
        shop_id: "sandbox-rubitpay-shop",
        shop_order_id: "payses_01ABC",
        amount: "1790.50",
        currency: "RUB",
        payway: "p2p",
        description: "Order payses_01ABC — \"mugs\" & 'cups'",
        success_url: "https://shop.example/checkout/cart_1?payment=success",
        add_ons: { payer_phone: "+79991234567", name: "Иван 'Ваня' \"V\"" },
      }
      const signed = signRubitPayRequest(request, "sandbox-rubitpay-secret")
      expect(rubitPaySignature(signed, "sandbox-rubitpay-secret")).toBe(signed.sign)
    })
  })

  describe("exchanger (the doc's example)", () => {
    it("hashes 5d8e6002b80b7b4cd75a6424:inProgress:2:317.42:ETH:WMZ:1571328406072:SECRET123", () => {
      const ipn = { orderId: "5d8e6002b80b7b4cd75a6424", newStatus: "inProgress", inAmount: "2", outAmount: "317.42", xml_from: "ETH", xml_to: "WMZ", timestamp: "1571328406072" }
      const expected = "af3acf947e6f0e0f2c267e300b8582e504dba12d1f2d058652b7414163c09f48"
      expect(exchangerIpnHash(ipn, "SECRET123")).toBe(expected)
      expect(ipnChecksum(ipn, "SECRET123")).toBe(expected)
    })
  })
})

describe("the notifications the sandbox sends pass the plugin's verifiers", () => {
  let sandbox: Sandbox
  let receiver: http.Server
  let received: Array<{ raw: string; contentType?: string }>
  let hookUrl: string

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 })
    receiver = http.createServer((req, res) => {
      let raw = ""
      req.setEncoding("utf8")
      req.on("data", (chunk) => (raw += chunk))
      req.on("end", () => {
        received.push({ raw, contentType: req.headers["content-type"] })
        res.end("OK")
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  })
  afterAll(async () => {
    await sandbox.close()
    await new Promise((resolve) => receiver.close(resolve))
  })
  beforeEach(async () => {
    received = []
    await axios.post(`${sandbox.url}/__control/reset`)
  })

  it("Romb: amounts as written, data with escapes, JSON and form", async () => {
    const secret = "sandbox-romb-private"
    await axios.post(`${sandbox.url}/__control/romb/merchant`, { callbackUrl: hookUrl })
    const bodies = [
      '{"orderNumber":"R-1","amount":100.50,"email":"a+b@x.io","description":"Кружка \\"2\\" / ½ \\u2028"}',
      '{"orderNumber":"R-2","amount":1e2}',
      '{"orderNumber":"R-3","amount":12345678901234.5,"currency":840}',
      '{"orderNumber":"R-4","amount":7}',
    ]
    for (const body of bodies) {
      const created = await axios.post(`${sandbox.url}/romb/api/pay/order/create`, body, {
        headers: {
          "Content-Type": "application/json",
          "X-Uid": "sandbox-romb-uid",
          "X-Public-Key": "sandbox-romb-public",
          "X-Private-Key": "sandbox-romb-private",
        },
      })
      expect(created.data.status).toBe("success")
      const orderNumber = JSON.parse(body).orderNumber
      for (const format of ["json", "form"]) {
        await axios.post(`${sandbox.url}/__control/romb/orders/${orderNumber}/webhooks`, { status: "PAID", format })
      }
    }
    expect(received).toHaveLength(bodies.length * 2)
    for (const hook of received) {
      expect(verifyRombSignature(readRombBody(hook.raw, hook.contentType), secret)).toBe(true)
    }
    expect(received.map((r) => r.raw).join("\n")).toContain('"amount":12345678901234.5,')
  })

  it("RubitPay: requests signed by the plugin are accepted; payment, hold and refund notifications verify", async () => {
    const shops = [
      { shopId: "sandbox-rubitpay-shop", secret: "sandbox-rubitpay-secret" },
      { shopId: "sandbox-rubitpay-hold-shop", secret: "sandbox-rubitpay-hold-secret" },
    ]
    for (const shop of shops) {
      await axios.post(`${sandbox.url}/__control/rubitpay/merchant`, { shopId: shop.shopId, callbackUrl: hookUrl })
    }
    const call = async (method: string, shop: (typeof shops)[number], params: Record<string, unknown>) =>
      (await axios.post(`${sandbox.url}/rubitpay/invoice/${method}`, signRubitPayRequest({ shop_id: shop.shopId, ...params }, shop.secret))).data
    const order = { amount: "1790.50", currency: "RUB", description: "Order \"1\" — 'mugs'" }
    const created = await call("create", shops[0], { ...order, shop_order_id: "payses_1", payway: "p2p", add_ons: { payer_phone: "+79991234567" } })
    expect(created).toEqual({ result: true, redirect_url: expect.any(String) })
    await axios.post(`${created.redirect_url}/pay`, null, { headers: { Accept: "application/json" } })
    await axios.post(`${sandbox.url}/__control/rubitpay/invoices/payses_1/refund`, { amount: "100.00" })
    const held = await call("hold", shops[1], { ...order, shop_order_id: "payses_2", payway: "bank_card" })
    await axios.post(`${held.redirect_url}/hold`, null, { headers: { Accept: "application/json" } })
    expect(await call("charge", shops[1], { shop_order_id: "payses_2" })).toEqual({ result: true })

    // a wrong sign, and a number where the doc has a string, are refused
    expect((await axios.post(`${sandbox.url}/rubitpay/invoice/create`, { shop_id: shops[0].shopId, sign: "0" })).data.error_code).toBe("invalid_sign")
    expect((await call("create", shops[0], { ...order, amount: 1790.5, shop_order_id: "payses_3", payway: "sbp" })).error_code).toBe("invalid_request")

    await new Promise((resolve) => setTimeout(resolve, 50)) // charge answers before it notifies
    expect(received.map((r) => JSON.parse(r.raw).status)).toEqual(["success", "refund", "hold", "success"])
    received.forEach((hook, i) => {
      const fields = Object.fromEntries(parseStrictJsonObject("RubitPay", hook.raw))
      expect(verifyRubitPaySignature(fields, shops[i < 2 ? 0 : 1].secret)).toBe(true)
    })
    await axios.post(`${sandbox.url}/__control/rubitpay/invoices/payses_1/status`, { status: "success", wrongSign: true })
    const forged = Object.fromEntries(parseStrictJsonObject("RubitPay", received[4].raw))
    expect(verifyRubitPaySignature(forged, shops[0].secret)).toBe(false)
  })

  it("exchanger: IPNs verify with the order's ipnSecret; badHash does not", async () => {
    const ipnSecret = "per-order-secret/+="
    const created = await axios.post(
      `${sandbox.url}/exchanger/obmin/api/public/exchanger/order/create`,
      new URLSearchParams({
        routeId: "65a1f0c2e4b0a1b2c3d4e5f6",
        amount: "1790.50",
        "toValues[0][key]": "wallet",
        "toValues[0][value]": "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE",
        ipnUrl: `${hookUrl}?session_id=payses_1`,
        ipnSecret,
      }).toString(),
      { headers: { "Content-Type": FORM } }
    )
    const { uid, secret } = created.data.data
    const setStatus = (status: string) =>
      axios.put(`${sandbox.url}/exchanger/obmin/api/public/exchanger/order/update-status`, { orderUID: uid, orderSecret: secret, status })
    await setStatus("waitPayment")
    await axios.post(`${sandbox.url}/__control/exchanger/obmin/ipn-mode`, { mode: "badHash" })
    await setStatus("inProgress")
    expect(received).toHaveLength(2)
    const verdicts = received.map((hook) => {
      const fields = plainFields(parseStrictForm("Exchanger", hook.raw, { nested: { toValues: { depth: 2, indexed: true } } }))
      return verifyIpnChecksum(fields as any, ipnSecret, fields.hash)
    })
    expect(verdicts).toEqual([true, false])
  })
})
