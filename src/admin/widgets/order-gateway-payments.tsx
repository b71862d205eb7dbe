import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminOrder, DetailWidgetProps } from "@medusajs/framework/types"
import { Badge, Button, Container, Heading, Input, Label, Text, toast } from "@medusajs/ui"
import { useCallback, useEffect, useState } from "react"

type GatewayPayment = {
  session_id: string
  provider_id: string
  session_status: string
  gateway: string
  gateway_reference: string | null
  gateway_status: string | null
  amount: string | null
  currency_code: string | null
  payment_id: string | null
  /** Captured and not yet refunded. */
  refundable: string | null
  /** A canceled order's payment still captured at the gateway: what the customer is owed. */
  refund_due: string | null
}

type GatewaySyncResult = {
  provider_id: string
  gateway_status?: string
  recorded: boolean
  message?: string
}

type GatewayEvent = {
  id: string
  action: string
  gateway_status: string
  amount: string | null
  currency_code: string | null
  state: string
  flag_reason: string | null
  last_error: string | null
  attempts: number
  created_at: string
}

const STATE_COLOR: Record<string, "green" | "orange" | "red" | "grey" | "blue"> = {
  processed: "green",
  received: "blue",
  processing: "blue",
  failed: "red",
  flagged: "orange",
  ignored: "grey",
}

/** Order page: which gateway took the money, its reference and status, and every gateway event. */
const OrderGatewayPaymentsWidget = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const [state, setState] = useState<{ payments: GatewayPayment[]; events: GatewayEvent[] } | null>(null)
  const [error, setError] = useState<string | null>(null)

  const [syncing, setSyncing] = useState(false)

  const load = useCallback(() => {
    fetch(`/admin/payment-gateways/orders/${order.id}`, { credentials: "include" })
      .then(async (response) => {
        if (!response.ok) {
          throw new Error(`HTTP ${response.status}`)
        }
        setState(await response.json())
      })
      .catch((e: Error) => setError(e.message))
  }, [order.id])

  useEffect(load, [load])

  /** Asks the gateways now; news is processed in the background, so the timeline reloads a moment later. */
  const sync = async () => {
    setSyncing(true)
    try {
      const response = await fetch(`/admin/payment-gateways/orders/${order.id}/sync`, {
        method: "POST",
        credentials: "include",
      })
      const body = await response.json()
      if (!response.ok) {
        throw new Error(body.message ?? `HTTP ${response.status}`)
      }
      for (const result of body.results as GatewaySyncResult[]) {
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
const RecordRefundMadeAtGateway = ({ payment, onRecorded }: { payment: GatewayPayment; onRecorded: () => void }) => {
  const [open, setOpen] = useState(false)
  const [amount, setAmount] = useState(payment.refund_due ?? payment.refundable ?? "")
  const [note, setNote] = useState("")
  const [saving, setSaving] = useState(false)

  const record = async () => {
    setSaving(true)
    try {
      const response = await fetch(`/admin/payment-gateways/payments/${payment.payment_id}/refund-made-at-gateway`, {
        method: "POST",
        credentials: "include",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ amount: Number(amount), ...(note.trim() ? { note: note.trim() } : {}) }),
      })
      const body = await response.json()
      if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`)
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

export default OrderGatewayPaymentsWidget
