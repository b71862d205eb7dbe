import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminOrder, DetailWidgetProps } from "@medusajs/framework/types"
import { Badge, Button, Container, Heading, Input, Label, Text, toast } from "@medusajs/ui"
import { useCallback, useEffect, useState } from "react"
import type { AdminGatewaySyncResponse } from "../../api/admin/payment-gateways/orders/[id]/sync/route"
import type {
  AdminGatewayEvent,
  AdminGatewayPayment,
  AdminOrderGatewayPaymentsResponse,
} from "../../api/admin/payment-gateways/orders/[id]/route"
import type { AdminRefundMadeAtGatewayResponse } from "../../api/admin/payment-gateways/payments/[id]/refund-made-at-gateway/route"
import { EventStateBadge } from "../components/event-state-badge"
import { usePluginTranslation } from "../lib/i18n"
import { sdk } from "../lib/sdk"

/** Order page: which gateway took the money, its reference, status and last word, and every gateway event. */
const OrderAdminGatewayPaymentsWidget = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const { t } = usePluginTranslation()
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
  const sync = async (payments: AdminGatewayPayment[]) => {
    setSyncing(true)
    try {
      const body = await sdk.client.fetch<AdminGatewaySyncResponse>(`/admin/payment-gateways/orders/${order.id}/sync`, {
        method: "POST",
      })
      const asked = new Map(payments.filter((p) => p.has_status_call).map((p) => [p.session_id, p.name]))
      for (const result of body.results) {
        const name = asked.get(result.session_id)
        // a payment whose gateway has no status call was not asked: nothing to report about it
        if (!name) continue
        if (result.message) toast.warning(name, { description: result.message })
        else
          toast.success(name, {
            description: t(result.recorded ? "widget.syncNews" : "widget.syncNothingNew", {
              status: result.gateway_status ?? t("widget.statusUnknown"),
            }),
          })
      }
      setTimeout(load, 1500)
    } catch (e) {
      toast.error(t("widget.syncFailed"), { description: (e as Error).message })
    } finally {
      setSyncing(false)
    }
  }

  if (!error && (!state || !state.payments.length)) {
    return null
  }
  const payments = state?.payments ?? []

  return (
    <Container className="divide-y p-0" data-testid="gateway-payments-widget">
      <div className="flex items-center justify-between gap-x-2 px-6 py-4">
        <Heading level="h2">{t("widget.title")}</Heading>
        {payments.some((payment) => payment.has_status_call) && (
          <Button size="small" variant="secondary" isLoading={syncing} onClick={() => sync(payments)}>
            {t("widget.sync")}
          </Button>
        )}
      </div>
      {error && (
        <Text className="px-6 py-4" size="small">
          {t("widget.loadFailed", { error })}
        </Text>
      )}
      {payments.map((payment) => (
        <GatewayPayment key={payment.session_id} payment={payment} onRefundRecorded={load} />
      ))}
      {state && state.events.length > 0 && (
        <div className="flex flex-col gap-y-2 px-6 py-4">
          <Text weight="plus" size="small">
            {t("widget.timeline")}
          </Text>
          {state.events.map((event) => (
            <TimelineEntry key={event.id} event={event} />
          ))}
        </div>
      )}
    </Container>
  )
}

const GatewayPayment = ({ payment, onRefundRecorded }: { payment: AdminGatewayPayment; onRefundRecorded: () => void }) => {
  const { t, amount, dateTime } = usePluginTranslation()
  return (
    <div className="flex flex-col gap-y-1 px-6 py-4">
      <div className="flex items-center justify-between gap-x-2">
        <div className="flex flex-col">
          <Text weight="plus" size="small">
            {payment.name}
          </Text>
          <Text size="xsmall" className="text-ui-fg-muted">
            {payment.provider_id}
          </Text>
        </div>
        <Badge size="2xsmall">{payment.gateway_status ?? payment.session_status}</Badge>
      </div>
      <Text size="small" className="text-ui-fg-subtle">
        {t("widget.reference")}:{" "}
        {payment.gateway_reference && payment.payment_page_url ? (
          <a
            href={payment.payment_page_url}
            target="_blank"
            rel="noopener noreferrer"
            title={t("widget.openPaymentPage", { name: payment.name })}
            className="text-ui-fg-interactive hover:text-ui-fg-interactive-hover"
          >
            {payment.gateway_reference}
          </a>
        ) : (
          payment.gateway_reference ?? "—"
        )}
      </Text>
      {payment.amount && (
        <Text size="small" className="text-ui-fg-subtle">
          {t("widget.amountSent")}: {amount(payment.amount, payment.currency_code)}
        </Text>
      )}
      <Text size="small" className="text-ui-fg-subtle">
        {t("widget.lastGatewayWord")}:{" "}
        {payment.last_gateway_word_at ? dateTime(payment.last_gateway_word_at) : t("widget.noGatewayWordYet")}
      </Text>
      {!payment.has_status_call && (
        <Text size="xsmall" className="text-ui-fg-muted">
          {t("widget.followsNotifications", { name: payment.name })}
        </Text>
      )}
      {payment.refund_due && (
        <Badge size="2xsmall" color="orange" className="self-start">
          {t("widget.refundDue", { name: payment.name, amount: amount(payment.refund_due, payment.currency_code) })}
        </Badge>
      )}
      {payment.refundable && <RecordRefundMadeAtGateway payment={payment} onRecorded={onRefundRecorded} />}
    </div>
  )
}

const TimelineEntry = ({ event }: { event: AdminGatewayEvent }) => {
  const { amount, dateTime } = usePluginTranslation()
  return (
    <div className="flex flex-col">
      <div className="flex items-center justify-between gap-x-2">
        <Text size="small">
          {dateTime(event.created_at)} · {event.gateway_status}
          {event.amount ? ` · ${amount(event.amount, event.currency_code)}` : ""}
        </Text>
        <EventStateBadge event={event} />
      </div>
      {event.flag_reason && (
        <Text size="xsmall" className="text-ui-fg-subtle">
          {event.flag_reason}
        </Text>
      )}
      {event.last_error && (
        <Text size="xsmall" className="text-ui-fg-error">
          {event.last_error}
        </Text>
      )}
    </div>
  )
}

/**
 * The operator refunded the customer in the gateway's dashboard (Romb and the
 * exchangers have no refund call): record it on the payment, without calling
 * the gateway.
 */
const RecordRefundMadeAtGateway = ({ payment, onRecorded }: { payment: AdminGatewayPayment; onRecorded: () => void }) => {
  const { t, amount: formatAmount } = usePluginTranslation()
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
      toast.success(t("refund.recorded"), { description: formatAmount(amount, payment.currency_code) })
      setOpen(false)
      onRecorded()
    } catch (e) {
      toast.error(t("refund.failed"), { description: (e as Error).message })
    } finally {
      setSaving(false)
    }
  }

  if (!open) {
    return (
      <Button size="small" variant="transparent" className="self-start" onClick={() => setOpen(true)}>
        {t("refund.open")}
      </Button>
    )
  }
  return (
    <div className="flex flex-col gap-y-2 pt-2">
      <Label size="small" htmlFor={`refund-amount-${payment.session_id}`}>
        {t("refund.amountLabel", { name: payment.name, currency: payment.currency_code?.toUpperCase() ?? "" })}
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
        {t("refund.noteLabel")}
      </Label>
      <Input id={`refund-note-${payment.session_id}`} size="small" value={note} onChange={(e) => setNote(e.target.value)} />
      <div className="flex gap-x-2">
        <Button size="small" isLoading={saving} disabled={!(Number(amount) > 0)} onClick={record}>
          {t("refund.submit")}
        </Button>
        <Button size="small" variant="secondary" onClick={() => setOpen(false)}>
          {t("refund.cancel")}
        </Button>
      </div>
    </div>
  )
}

export const config = defineWidgetConfig({
  zone: "order.details.side.after",
})

export default OrderAdminGatewayPaymentsWidget
