import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminOrder, DetailWidgetProps } from "@medusajs/framework/types"
import { Badge, Button, Container, Heading, Input, Label, Text, toast } from "@medusajs/ui"
import { useCallback, useEffect, useState } from "react"
import type { AdminGatewaySyncResponse } from "../../api/admin/payment-gateways/orders/[id]/sync/route"
import type { AdminGatewayPayment, AdminOrderGatewayPaymentsResponse } from "../../api/admin/payment-gateways/orders/[id]/route"
import type { AdminRefundMadeAtGatewayResponse } from "../../api/admin/payment-gateways/payments/[id]/refund-made-at-gateway/route"
import { sdk } from "../lib/sdk"

const STATE_COLOR: Record<string, "green" | "orange" | "red" | "grey" | "blue"> = {
  processed: "green",
  received: "blue",
  processing: "blue",
  failed: "red",
  flagged: "orange",
  ignored: "grey",
}

/** Order page: which gateway took the money, its reference and status, and every gateway event. */
const OrderAdminGatewayPaymentsWidget = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const [state, setState] = useState<AdminOrderGatewayPaymentsResponse | null>(null)
  const [error, setError] = useState<string | null>(null)

  const [syncing, setSyncing] = useState(false)

  const load = useCallback(() => {
    sdk.client
      .fetch<AdminOrderGatewayPaymentsResponse>(`/admin/payment-gateways/orders/${order.id}`)
      .then(setState)
      .catch((e: Error) => setError(e.message))
  }, [order.id])

  useEffect(load, [load])

  /** Asks the gateways now; news is processed in the background, so the timeline reloads a moment later. */
  const sync = async () => {
    setSyncing(true)
    try {
      const body = await sdk.client.fetch<AdminGatewaySyncResponse>(`/admin/payment-gateways/orders/${order.id}/sync`, {
        method: "POST",
      })
      for (const result of body.results) {
        if (result.message) toast.warning(result.provider_id, { description: result.message })
        else
          toast.success(result.provider_id, {
            description: `${result.gateway_status ?? "unknown"}${result.recorded ? " (new, being processed)" : " (nothing new)"}`,
          })
      }
      setTimeout(load, 1500)
    } catch (e) {
      toast.error("Sync with gateway failed", { description: (e as Error).message })
    } finally {
      setSyncing(false)
    }
  }

  if (!error && (!state || !state.payments.length)) {
    return null
  }

  return (
    <Container className="divide-y p-0">
      <div className="flex items-center justify-between px-6 py-4">
        <Heading level="h2">Gateway payments</Heading>
        <Button size="small" variant="secondary" isLoading={syncing} onClick={sync}>
          Sync with gateway
        </Button>
      </div>
      {error && (
        <Text className="px-6 py-4" size="small">
          Could not load gateway payments: {error}
        </Text>
      )}
      {state?.payments.map((payment) => (
        <div key={payment.session_id} className="flex flex-col gap-y-1 px-6 py-4">
          <div className="flex items-center justify-between">
            <Text weight="plus" size="small">
              {payment.gateway} ({payment.provider_id})
            </Text>
            <Badge size="2xsmall">{payment.gateway_status ?? payment.session_status}</Badge>
          </div>
          <Text size="small" className="text-ui-fg-subtle">
            Reference: {payment.gateway_reference ?? "—"}
          </Text>
          {payment.amount && (
            <Text size="small" className="text-ui-fg-subtle">
              Amount sent: {payment.amount} {payment.currency_code?.toUpperCase()}
            </Text>
          )}
          {payment.refund_due && (
            <Badge size="2xsmall" color="orange">
              Refund due at {payment.gateway}: {payment.refund_due} {payment.currency_code?.toUpperCase()}
            </Badge>
          )}
          {payment.refundable && <RecordRefundMadeAtGateway payment={payment} onRecorded={load} />}
        </div>
      ))}
      {state && state.events.length > 0 && (
        <div className="flex flex-col gap-y-2 px-6 py-4">
          <Text weight="plus" size="small">
            Timeline
          </Text>
          {state.events.map((event) => (
            <div key={event.id} className="flex flex-col">
              <div className="flex items-center justify-between">
                <Text size="small">
                  {new Date(event.created_at).toLocaleString()} · {event.gateway_status}
                  {event.amount ? ` · ${event.amount} ${event.currency_code?.toUpperCase() ?? ""}` : ""}
                </Text>
                <Badge size="2xsmall" color={STATE_COLOR[event.state] ?? "grey"}>
                  {event.state}
                </Badge>
              </div>
              {(event.flag_reason || event.last_error) && (
                <Text size="xsmall" className="text-ui-fg-error">
                  {event.flag_reason ?? event.last_error}
                </Text>
              )}
            </div>
          ))}
        </div>
      )}
    </Container>
  )
}

/**
 * The operator refunded the customer in the gateway's dashboard (Romb and the
 * exchangers have no refund call): record it on the payment, without calling
 * the gateway.
 */
const RecordRefundMadeAtGateway = ({ payment, onRecorded }: { payment: AdminGatewayPayment; onRecorded: () => void }) => {
  const [open, setOpen] = useState(false)
  const [amount, setAmount] = useState(payment.refund_due ?? payment.refundable ?? "")
  const [note, setNote] = useState("")
  const [saving, setSaving] = useState(false)

  const record = async () => {
    setSaving(true)
    try {
      await sdk.client.fetch<AdminRefundMadeAtGatewayResponse>(
        `/admin/payment-gateways/payments/${payment.payment_id}/refund-made-at-gateway`,
        { method: "POST", body: { amount: Number(amount), ...(note.trim() ? { note: note.trim() } : {}) } }
      )
      toast.success("Refund recorded", { description: `${amount} ${payment.currency_code?.toUpperCase() ?? ""}` })
      setOpen(false)
      onRecorded()
    } catch (e) {
      toast.error("The refund was not recorded", { description: (e as Error).message })
    } finally {
      setSaving(false)
    }
  }

  if (!open) {
    return (
      <Button size="small" variant="transparent" className="self-start" onClick={() => setOpen(true)}>
        Record a refund made at the gateway
      </Button>
    )
  }
  return (
    <div className="flex flex-col gap-y-2 pt-2">
      <Label size="small" htmlFor={`refund-amount-${payment.session_id}`}>
        Amount refunded in the gateway's dashboard ({payment.currency_code?.toUpperCase()})
      </Label>
      <Input
        id={`refund-amount-${payment.session_id}`}
        size="small"
        type="number"
        min="0"
        step="any"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
      />
      <Label size="small" htmlFor={`refund-note-${payment.session_id}`}>
        Note (optional)
      </Label>
      <Input id={`refund-note-${payment.session_id}`} size="small" value={note} onChange={(e) => setNote(e.target.value)} />
      <div className="flex gap-x-2">
        <Button size="small" isLoading={saving} disabled={!(Number(amount) > 0)} onClick={record}>
          Record refund
        </Button>
        <Button size="small" variant="secondary" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </div>
  )
}

export const config = defineWidgetConfig({
  zone: "order.details.side.after",
})

export default OrderAdminGatewayPaymentsWidget
