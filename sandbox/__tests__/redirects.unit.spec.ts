import axios, { AxiosResponse } from "axios"
import http from "node:http"
import { AddressInfo } from "node:net"
import { httpUrl, withQueryParam } from "../page"
import { rubitPaySignature } from "../signers"
import { Sandbox, startSandbox } from "../index"

/** What a browser sends when the customer presses a button of the hosted page's form. */
const BROWSER = {
  headers: {
    Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Content-Type": "application/x-www-form-urlencoded",
  },
  maxRedirects: 0,
  validateStatus: () => true,
}
/** A scripted client (tests, the demo). */
const SCRIPT = { headers: { Accept: "application/json" }, maxRedirects: 0, validateStatus: () => true }

type Received = { path: string; raw: string }

describe("sandbox pay pages: sending the customer back to the shop", () => {
  let sandbox: Sandbox
  let receiver: http.Server
  let received: Received[]
  let hookUrl: string

  const control = (path: string, body?: unknown) =>
    axios.post(`${sandbox.url}/__control${path}`, body, { validateStatus: () => true })
  /** The hosted page as a browser loads it. */
  const load = async (url: string) => {
    const page = await axios.get(url, { headers: { Accept: BROWSER.headers.Accept } })
    expect(page.headers["content-type"]).toMatch(/text\/html/)
    return page.data as string
  }
  const press = (url: string) => axios.post(url, "", BROWSER)
  const expectSeeOther = (answer: AxiosResponse, location: string) => {
    expect(answer.status).toBe(303)
    expect(answer.headers.location).toBe(location)
  }
  const expectResultPage = (answer: AxiosResponse, text: string) => {
    expect(answer.status).toBe(200)
    expect(answer.headers.location).toBeUndefined()
    expect(answer.headers["content-type"]).toMatch(/text\/html/)
    expect(answer.data).toContain(text)
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 })
    receiver = http.createServer((req, res) => {
      let raw = ""
      req.on("data", (c) => (raw += c))
      req.on("end", () => {
        received.push({ path: req.url ?? "", raw })
        res.end("OK")
      })
    })
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  })
  afterAll(async () => {
    await sandbox.close()
    await new Promise((r) => receiver.close(r))
  })
  beforeEach(async () => {
    received = []
    await control("/reset")
  })

  describe("helpers", () => {
    it("appends the query parameter after ?, & or nothing, before a fragment", () => {
      expect(withQueryParam("https://s.example/r", "status", "success")).toBe("https://s.example/r?status=success")
      expect(withQueryParam("https://s.example/r?cart=1", "status", "error")).toBe("https://s.example/r?cart=1&status=error")
      expect(withQueryParam("https://s.example/r?", "status", "error")).toBe("https://s.example/r?status=error")
      expect(withQueryParam("https://s.example/r?a=1&", "status", "error")).toBe("https://s.example/r?a=1&status=error")
      expect(withQueryParam("https://s.example/r#top", "status", "success")).toBe("https://s.example/r?status=success#top")
      expect(withQueryParam("https://s.example/r?x=1#top", "status", "success")).toBe("https://s.example/r?x=1&status=success#top")
    })
    it("follows only absolute http(s) URLs", () => {
      expect(httpUrl("https://s.example/x")).toBe("https://s.example/x")
      expect(httpUrl("http://127.0.0.1:9000/")).toBe("http://127.0.0.1:9000/")
      for (const bad of ["javascript:alert(1)", "/relative", "", undefined, 42, ["https://s.example"]]) {
        expect(httpUrl(bad)).toBeUndefined()
      }
    })
  })

  describe("Romb: the merchant's returnUrl", () => {
    const AUTH = { "X-Uid": "sandbox-romb-uid", "X-Public-Key": "sandbox-romb-public", "X-Private-Key": "sandbox-romb-private" }
    const create = async (orderNumber: string, amount = 289.68) => {
      const { data } = await axios.post(
        `${sandbox.url}/romb/api/pay/order/create`,
        { orderNumber, amount, currency: 643, description: "Test Pay" },
        { headers: { ...AUTH, Accept: "application/json" } }
      )
      return data.data.formUrl as string
    }
    beforeEach(() => control("/romb/merchant", { callbackUrl: hookUrl }))

    it("is a merchant setting: {order_number} filled in, null clears it, reset forgets it, bad URLs refused", async () => {
      const set = await control("/romb/merchant", { returnUrl: "https://shop.example/checkout/{order_number}/return" })
      expect(set.data).toEqual({ uid: "sandbox-romb-uid", callbackUrl: hookUrl, returnUrl: "https://shop.example/checkout/{order_number}/return" })
      for (const bad of ["javascript:alert(1)", "/checkout/{order_number}", "", 5]) {
        expect((await control("/romb/merchant", { returnUrl: bad })).status).toBe(400)
      }
      expect((await control("/romb/merchant", { returnUrl: null })).data.returnUrl).toBeNull()
      await control("/romb/merchant", { returnUrl: "https://shop.example/r" })
      await control("/reset")
      expect((await control("/romb/merchant", {})).data.returnUrl).toBeNull()
    })

    it("Pay: the webhook first, then 303 to the returnUrl with the orderNumber (URL-encoded), no status added", async () => {
      await control("/romb/merchant", { returnUrl: "https://shop.example/checkout/{order_number}/return?from=romb" })
      const formUrl = await create("payses_01/X")
      const answer = await press(`${formUrl}/pay`)
      expectSeeOther(answer, "https://shop.example/checkout/payses_01%2FX/return?from=romb")
      // delivered before the answer
      expect(received).toHaveLength(1)
      expect(JSON.parse(received[0].raw)).toEqual(expect.objectContaining({ order_id: "payses_01/X", status: "PAID" }))
      expect((await axios.get(`${sandbox.url}/__control/romb/orders/${encodeURIComponent("payses_01/X")}`)).data.status).toBe("PAID")
      // pressed again (back button): no redirect, the 409 page
      const again = await press(`${formUrl}/pay`)
      expect(again.status).toBe(409)
      expect(again.data).toContain("Payment is already PAID")
      expect(received).toHaveLength(1)
    })

    it("Cancel: the CANCELED webhook first, then 303 to the same returnUrl", async () => {
      await control("/romb/merchant", { returnUrl: "https://shop.example/r/{order_number}" })
      const formUrl = await create("payses_02")
      expectSeeOther(await press(`${formUrl}/decline`), "https://shop.example/r/payses_02")
      expect(received).toHaveLength(1)
      expect(JSON.parse(received[0].raw).status).toBe("CANCELED")
    })

    it("scripted clients still get JSON; without a returnUrl a browser gets the result page", async () => {
      await control("/romb/merchant", { returnUrl: "https://shop.example/r" })
      const a = await create("payses_03")
      const json = await axios.post(`${a}/pay`, null, SCRIPT)
      expect(json.status).toBe(200)
      expect(json.data).toEqual({ status: "PAID", webhook: { delivered: true, httpStatus: 200 } })

      await control("/romb/merchant", { returnUrl: null })
      const b = await create("payses_04")
      expectResultPage(await press(`${b}/pay`), "Payment complete.")
      const c = await create("payses_05")
      expectResultPage(await press(`${c}/decline`), "Payment canceled.")
      expect(received).toHaveLength(3)
    })

    it("the page: gateway and amount in the title, buttons with ids and data-testids, nothing external", async () => {
      const formUrl = await create("payses_06", 100.5)
      const html = await load(formUrl)
      expect(html).toMatch(/<title>Romb sandbox — 100\.5 RUB — Payment \d+<\/title>/)
      expect(html).toContain('<p class="amount" data-testid="amount">100.5 RUB</p>')
      expect(html).toContain('data-testid="status">WAIT<')
      expect(html).toMatch(/<button type="submit" id="pay" data-testid="pay"[^>]*>Pay<\/button>/)
      expect(html).toMatch(/<button type="submit" id="decline" data-testid="decline"[^>]*>Cancel<\/button>/)
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
      expect(html).not.toContain("<script")
    })
  })

  describe("RubitPay: the invoice's success_url and fail_url", () => {
    const SHOPS = {
      single: { shop_id: "sandbox-rubitpay-shop", secret: "sandbox-rubitpay-secret" },
      hold: { shop_id: "sandbox-rubitpay-hold-shop", secret: "sandbox-rubitpay-hold-secret" },
    }
    const open = async (
      kind: "single" | "hold",
      shop_order_id: string,
      urls: { success_url?: string; fail_url?: string } = {}
    ) => {
      const { shop_id, secret } = SHOPS[kind]
      const params: Record<string, string> = { shop_id, shop_order_id, amount: "2990.00", currency: "RUB", payway: "sbp", ...urls }
      params.sign = rubitPaySignature(params, secret)
      const { data } = await axios.post(`${sandbox.url}/rubitpay/invoice/${kind === "single" ? "create" : "hold"}`, params)
      expect(data.result).toBe(true)
      return data.redirect_url as string
    }
    const URLS = { success_url: "https://shop.example/success?cart=c1", fail_url: "https://shop.example/fail?cart=c1" }
    beforeEach(async () => {
      await control("/rubitpay/merchant", { shopId: SHOPS.single.shop_id, callbackUrl: hookUrl })
      await control("/rubitpay/merchant", { shopId: SHOPS.hold.shop_id, callbackUrl: hookUrl })
    })

    it("Pay (single-step): the success webhook first, then 303 to success_url as given", async () => {
      const url = await open("single", "payses_r1", URLS)
      expectSeeOther(await press(`${url}/pay`), "https://shop.example/success?cart=c1")
      expect(received).toHaveLength(1)
      expect(JSON.parse(received[0].raw)).toEqual(expect.objectContaining({ shop_order_id: "payses_r1", status: "success" }))
      // pressed again: no redirect, the 409 page
      const again = await press(`${url}/pay`)
      expect(again.status).toBe(409)
      expect(again.headers["content-type"]).toMatch(/text\/html/)
      expect(again.data).toContain("Invoice is success")
    })

    it("Hold (two-step): the hold webhook first, then 303 to success_url", async () => {
      const url = await open("hold", "payses_r2", URLS)
      expectSeeOther(await press(`${url}/hold`), "https://shop.example/success?cart=c1")
      expect(received.map((r) => JSON.parse(r.raw).status)).toEqual(["hold"])
    })

    it("Decline: the fail webhook first, then 303 to fail_url, for both kinds of invoice", async () => {
      const single = await open("single", "payses_r3", URLS)
      expectSeeOther(await press(`${single}/decline`), "https://shop.example/fail?cart=c1")
      const hold = await open("hold", "payses_r4", URLS)
      expectSeeOther(await press(`${hold}/decline`), "https://shop.example/fail?cart=c1")
      expect(received.map((r) => JSON.parse(r.raw).status)).toEqual(["fail", "fail"])
    })

    it("scripted clients still get JSON; without the URL a browser gets the result page", async () => {
      const a = await open("single", "payses_r5", URLS)
      const json = await axios.post(`${a}/pay`, null, SCRIPT)
      expect(json.status).toBe(200)
      expect(json.data).toEqual({ status: "success", webhook: { delivered: true, httpStatus: 200 } })
      const again = await axios.post(`${a}/pay`, null, SCRIPT)
      expect(again.status).toBe(409)
      expect(again.data).toEqual({ result: false, error_code: "invalid_state", message: "Invoice is success" })

      const none = await open("single", "payses_r6")
      expectResultPage(await press(`${none}/pay`), "Invoice success.")
      // only a success_url: a decline has nowhere to go
      const onlySuccess = await open("hold", "payses_r7", { success_url: URLS.success_url })
      expectResultPage(await press(`${onlySuccess}/decline`), "Invoice fail.")
      expect(received).toHaveLength(3)
    })

    it("the page: gateway and amount in the title; pay/hold and decline buttons", async () => {
      const single = await load(await open("single", "payses_r8"))
      expect(single).toMatch(/<title>RubitPay sandbox — 2990\.00 RUB — Invoice \d+<\/title>/)
      expect(single).toContain('data-testid="amount">2990.00 RUB<')
      expect(single).toMatch(/id="pay" data-testid="pay"[^>]*>Pay</)
      expect(single).toMatch(/id="decline" data-testid="decline"[^>]*>Decline</)
      expect(single).not.toContain('data-testid="hold"')
      const hold = await load(await open("hold", "payses_r9"))
      expect(hold).toMatch(/id="hold" data-testid="hold"[^>]*>Hold</)
      expect(hold).not.toContain('data-testid="pay"')
      expect(hold).not.toContain("<script")
    })
  })

  describe("Exchanger: clientCallbackUrl with status=success|error", () => {
    const WALLET = `T${"1".repeat(33)}`
    const create = async (clientCallbackUrl?: string) => {
      const { data } = await axios.post(`${sandbox.url}/exchanger/obmin/api/public/exchanger/order/create`, {
        routeId: "65a1f0c2e4b0a1b2c3d4e5f6",
        amount: 1000,
        toValues: [{ key: "wallet", value: WALLET }],
        lang: "uk",
        ...(clientCallbackUrl ? { clientCallbackUrl } : {}),
        ipnUrl: `${hookUrl}?session_id=s1`,
        ipnSecret: "ipn-secret",
      })
      expect(data.success).toBe(true)
      return `${sandbox.url}/exchanger/obmin/uk/payment/${data.data.uid}/${data.data.secret}`
    }
    const ipnStatuses = () => received.map((r) => new URLSearchParams(r.raw).get("newStatus"))

    it("I have paid: IPNs inProgress, inProgressPayout, done in order, then 303 with status=success", async () => {
      const page = await create("https://shop.example/return/cart_1")
      expectSeeOther(await press(`${page}/pay`), "https://shop.example/return/cart_1?status=success")
      expect(ipnStatuses()).toEqual(["inProgress", "inProgressPayout", "done"])
      const uid = page.split("/").slice(-2)[0]
      expect((await axios.get(`${sandbox.url}/__control/exchanger/obmin/orders/${uid}`)).data.status).toBe("done")
      // pressed again: no redirect, the 409 page with the return link
      const again = await press(`${page}/pay`)
      expect(again.status).toBe(409)
      expect(again.data).toContain('href="https://shop.example/return/cart_1?status=success"')
      expect(received).toHaveLength(3)
    })

    it("continues the walk from the customer's own claim (inProgress)", async () => {
      const page = await create("https://shop.example/r")
      await axios.post(`${page}/inProgress`, null, SCRIPT)
      expectSeeOther(await press(`${page}/pay`), "https://shop.example/r?status=success")
      expect(ipnStatuses()).toEqual(["inProgress", "inProgressPayout", "done"])
    })

    it("Payment failed (errorPayment) and Cancel order (deleted): the IPN, then 303 with status=error, after an existing query", async () => {
      const a = await create("https://shop.example/return?cart=cart_2")
      expectSeeOther(await press(`${a}/decline`), "https://shop.example/return?cart=cart_2&status=error")
      const b = await create("https://shop.example/return?cart=cart_3#done")
      expectSeeOther(await press(`${b}/cancel`), "https://shop.example/return?cart=cart_3&status=error#done")
      expect(ipnStatuses()).toEqual(["errorPayment", "deleted"])
      expect((await press(`${b}/pay`)).status).toBe(409)
    })

    it("scripted clients get JSON from the customer's buttons; the per-status endpoints answer as before", async () => {
      const page = await create("https://shop.example/r")
      const paid = await axios.post(`${page}/pay`, null, SCRIPT)
      expect(paid.status).toBe(200)
      expect(paid.data).toEqual({
        status: "done",
        ipns: ["inProgress", "inProgressPayout", "done"].map((status) => ({ status, delivered: true, httpStatus: 200 })),
      })
      const refused = await axios.post(`${page}/cancel`, null, SCRIPT)
      expect(refused.status).toBe(409)
      expect(refused.data).toEqual({ success: false, status: "done", message: "Order status done can't be changed" })

      const other = await create("https://shop.example/r")
      const walked = await axios.post(`${other}/deleted`, null, SCRIPT)
      expect(walked.data).toEqual({ status: "deleted", ipn: { delivered: true, httpStatus: 200 } })
    })

    it("the per-status (tester's) buttons never redirect; an ended order's page shows the return link", async () => {
      const page = await create("https://shop.example/r?x=1")
      const running = await press(`${page}/inProgressPayout`)
      expectResultPage(running, "Status: inProgressPayout")
      expect(running.data).not.toContain('data-testid="return"')
      const done = await press(`${page}/done`)
      expectResultPage(done, "Status: done")
      expect(done.data).toContain('<a class="return" href="https://shop.example/r?x=1&#38;status=success" id="return" data-testid="return">')
      expect(await load(page)).toContain('data-testid="return"')
      expectResultPage(await press(`${page}/returned`), 'href="https://shop.example/r?x=1&#38;status=error"')
    })

    it("without a clientCallbackUrl a browser gets the result page", async () => {
      const a = await create()
      const paid = await press(`${a}/pay`)
      expectResultPage(paid, "Status: done")
      expect(paid.data).not.toContain('data-testid="return"')
      expectResultPage(await press(`${await create()}/cancel`), "Status: deleted")
      expect(ipnStatuses()).toEqual(["inProgress", "inProgressPayout", "done", "deleted"])
    })

    it("the page: exchanger and amount in the title; the customer's buttons, then the tester's", async () => {
      const html = await load(await create("https://shop.example/r"))
      expect(html).toMatch(/<title>Exchanger obmin sandbox — 1000 CARDRUB — Order \d+<\/title>/)
      expect(html).toContain('data-testid="amount">1000 CARDRUB<')
      expect(html).toContain('data-testid="status">new<')
      expect(html).toMatch(/id="pay" data-testid="pay"[^>]*>I have paid</)
      expect(html).toMatch(/id="decline" data-testid="decline"[^>]*>Payment failed</)
      expect(html).toMatch(/id="cancel" data-testid="cancel"[^>]*>Cancel order</)
      for (const status of ["waitPayment", "errorPayment", "inProgress", "inProgressPayout", "errorPayout", "hold", "done", "returned", "deleted"]) {
        expect(html).toContain(`id="status-${status}" data-testid="status-${status}"`)
      }
      expect(html).not.toContain('data-testid="status-new"')
      expect(html.indexOf('data-testid="pay"')).toBeLessThan(html.indexOf('data-testid="status-waitPayment"'))
      expect(html).not.toContain("<script")
    })
  })
})
