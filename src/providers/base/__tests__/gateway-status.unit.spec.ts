import type { GatewayStatusForm } from "../gateway-status"
import { GATEWAY_ACTIONS } from "../session-data"
import * as exchanger from "../../exchanger/status"
import * as romb from "../../romb/status"
import * as rubitpay from "../../rubitpay/status"

const FORMS: Record<string, GatewayStatusForm> = { romb, rubitpay, exchanger }

describe.each(Object.entries(FORMS))("%s status.ts fills in the one form", (_gateway, form) => {
  it("maps every raw status into the one vocabulary, the initial one to pending", () => {
    for (const action of form.STATUS_ACTIONS.values()) expect(GATEWAY_ACTIONS).toContain(action)
    expect(form.gatewayAction(form.INITIAL_STATUS)).toBe("pending")
  })

  it("calls a status it does not know unknown, never an error, and keys it apart", () => {
    expect(form.gatewayAction("somethingNew")).toBe("unknown")
    expect(form.eventKey("ref-1", "somethingNew")).not.toBe(form.eventKey("ref-1", form.INITIAL_STATUS))
  })

  it("keys one gateway event alike however often it is reported", () => {
    for (const status of form.STATUS_ACTIONS.keys()) {
      expect(form.eventKey("ref-1", status)).toBe(form.eventKey("ref-1", status))
      expect(form.eventKey("ref-1", status)).not.toBe(form.eventKey("ref-2", status))
    }
  })
})

it("RubitPay names a webhook's word and the status call's engine code for one outcome alike", () => {
  expect(rubitpay.eventKey("700001", "success")).toBe(rubitpay.eventKey("700001", "4"))
  expect(rubitpay.eventKey("700001", "hold")).toBe(rubitpay.eventKey("700001", "8"))
})

it("the exchanger asks the operator about frozen, failed-payout and returned orders, and about unknown statuses", () => {
  expect(exchanger.statusAttention("hold")).toMatch(/froze/)
  expect(exchanger.statusAttention("returned")).toMatch(/returned the money/)
  expect(exchanger.statusAttention("done")).toBeUndefined()
  expect(exchanger.statusAttention("reviewing")).toBe('unknown exchanger status "reviewing"')
})
