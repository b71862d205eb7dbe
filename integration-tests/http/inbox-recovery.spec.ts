import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import retryGatewayEventsJob from "../../src/jobs/retry-gateway-events"
import { buildGatewayEvent } from "../../src/providers/base/redirect-provider"
import { GATEWAY_INBOX_MODULE } from "../../src/modules/gateway-inbox"
import { PROCESSING_LEASE_SECONDS } from "../../src/modules/gateway-inbox/service"
import { redirectSuite } from "../helpers/redirect-suite"
import { ordersForCart, paymentStatus } from "../helpers/storefront"

jest.setTimeout(180_000)

const ROMB = "pp_romb_romb"

/**
 * The inbox after a crash: an event stored and acknowledged whose process
 * died before processing it, or while processing it, is processed exactly
 * once by the retry job (every minute) once its grace or claim lease is over,
 * however many dead events sit in the inbox ahead of it.
 */
redirectSuite({
  paymentProviderIds: [ROMB],
  testSuite: ({ api, getContainer, startPayment }) => {
    const inbox = () => getContainer().resolve(GATEWAY_INBOX_MODULE)
    const sql = (text: string, bindings: unknown[] = []) =>
      getContainer().resolve(ContainerRegistrationKeys.PG_CONNECTION).raw(text, bindings)

    /** Romb's PAID for a fresh checkout, stored as the webhook route stores it; nothing processes it. */
    async function storedButNotProcessed(transactionId: string) {
      const { cart, session } = await startPayment(ROMB)
      const amount = session.data.gateway_amount as string
      const paid = buildGatewayEvent("sandbox-romb-private", {
        action: "captured",
        session_id: session.id,
        amount,
        event_key: `${transactionId}:PAID`,
        gateway_status: "PAID",
        gateway_reference: transactionId,
      })
      const { id } = await inbox().recordEvent({
        provider_id: ROMB,
        event_key: paid.data.event_key,
        session_id: session.id,
        action: paid.action,
        gateway_status: "PAID",
        gateway_reference: transactionId,
        amount,
        confirmation: paid.data.confirmation,
      })
      return { cart, eventId: id }
    }

    const ago = (seconds: number) => new Date(Date.now() - seconds * 1000)
    const state = async (id: string) => (await inbox().retrieveGatewayEvent(id)).state

    it("an event the process never got to: left alone for 30 s, then processed once", async () => {
      const { cart, eventId } = await storedButNotProcessed("tx-crash-1")
      await retryGatewayEventsJob(getContainer())
      expect(await state(eventId)).toBe("received") // another instance may be about to process it
      await sql("update gateway_event set updated_at = ? where id = ?", [ago(31), eventId])
      await retryGatewayEventsJob(getContainer())
      expect(await state(eventId)).toBe("processed")
      expect((await paymentStatus(api, cart.id)).status).toBe("paid")
      await retryGatewayEventsJob(getContainer())
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
    })

    it(`an event whose worker died while processing it: taken again after the ${PROCESSING_LEASE_SECONDS} s lease, not before`, async () => {
      const { cart, eventId } = await storedButNotProcessed("tx-crash-2")
      await sql("update gateway_event set state = 'processing', attempts = 1, updated_at = ? where id = ?", [ago(PROCESSING_LEASE_SECONDS - 10), eventId])
      await retryGatewayEventsJob(getContainer())
      expect(await state(eventId)).toBe("processing")
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(0)
      await sql("update gateway_event set updated_at = ? where id = ?", [ago(PROCESSING_LEASE_SECONDS + 1), eventId])
      await retryGatewayEventsJob(getContainer())
      expect(await state(eventId)).toBe("processed")
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
    })

    it("events that exhausted their retries do not keep a due one waiting", async () => {
      // 120 dead events, older than everything else, ahead of the due one in the inbox
      await sql(
        `insert into gateway_event (id, provider_id, event_key, session_id, action, gateway_status, state, attempts, last_error, created_at, updated_at)
         select 'gwevt_dead_' || n, ?, 'dead-' || n || ':PAID', 'payses_gone_' || n, 'captured', 'PAID', 'failed', 10, 'gone', ?, ?
           from generate_series(1, 120) n`,
        [ROMB, ago(86_400), ago(86_400)]
      )
      const { cart, eventId } = await storedButNotProcessed("tx-crash-3")
      await sql("update gateway_event set updated_at = ? where id = ?", [ago(31), eventId])
      await retryGatewayEventsJob(getContainer())
      expect(await state(eventId)).toBe("processed")
      expect(await ordersForCart(getContainer(), cart.id)).toHaveLength(1)
      const [{ count }] = (await sql("select count(*)::int as count from gateway_event where state = 'failed' and attempts = 10")).rows
      expect(count).toBe(120)
    })
  },
})
