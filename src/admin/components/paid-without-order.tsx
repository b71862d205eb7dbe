import { Badge, Button, Container, Heading, Input, Table, Text, toast, usePrompt } from "@medusajs/ui"
import { useCallback, useEffect, useState } from "react"
import { Link } from "react-router-dom"
import type { AdminPaidWithoutOrder, AdminPaidWithoutOrderResponse } from "../../api/admin/payment-gateways/paid-without-order/route"
import type { PaidWithoutOrderAction } from "../../workflows/resolve-paid-without-order"
import { usePluginTranslation } from "../lib/i18n"
import { sdk } from "../lib/sdk"

/** Each action's button and the question asked before it runs (written out, so every key is found). */
const ACTIONS: Record<PaidWithoutOrderAction, { label: string; confirm: string }> = {
  place_order: { label: "paidWithoutOrder.placeOrder", confirm: "paidWithoutOrder.placeOrderConfirm" },
  release_hold: { label: "paidWithoutOrder.releaseHold", confirm: "paidWithoutOrder.releaseHoldConfirm" },
  refund: { label: "paidWithoutOrder.refund", confirm: "paidWithoutOrder.refundConfirm" },
  record_refund: { label: "paidWithoutOrder.recordRefund", confirm: "paidWithoutOrder.recordRefundConfirm" },
}

/**
 * Settings → Payment gateways → Paid, no order: payments the gateway
 * confirmed whose cart could not become its order, with what resolves each.
 */
export const PaidWithoutOrderSection = () => {
  const { t } = usePluginTranslation()
  const [payments, setPayments] = useState<AdminPaidWithoutOrder[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  const load = useCallback(() => {
    sdk.client
      .fetch<AdminPaidWithoutOrderResponse>("/admin/payment-gateways/paid-without-order")
      .then((body) => {
        setPayments(body.payments)
        setError(null)
      })
      .catch((e: Error) => setError(e.message))
  }, [])
  useEffect(load, [load])

  return (
    <Container className="divide-y p-0">
      <div className="px-6 py-4">
        <Heading level="h2">{t("paidWithoutOrder.title")}</Heading>
        <Text size="small" className="text-ui-fg-subtle">
          {t("paidWithoutOrder.description")}
        </Text>
      </div>
      {error && (
        <Text size="small" className="px-6 py-4">
          {t("paidWithoutOrder.loadFailed", { error })}
        </Text>
      )}
      {payments?.length === 0 && (
        <Text size="small" className="text-ui-fg-subtle px-6 py-4">
          {t("paidWithoutOrder.none")}
        </Text>
      )}
      {payments && payments.length > 0 && (
        <div className="overflow-x-auto">
          <Table>
            <Table.Header>
              <Table.Row>
                <Table.HeaderCell>{t("paidWithoutOrder.paid")}</Table.HeaderCell>
                <Table.HeaderCell>{t("paidWithoutOrder.customer")}</Table.HeaderCell>
                <Table.HeaderCell>{t("paidWithoutOrder.reason")}</Table.HeaderCell>
                <Table.HeaderCell>{t("paidWithoutOrder.actions")}</Table.HeaderCell>
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {payments.map((payment) => (
                <PaidWithoutOrderRow key={payment.id} payment={payment} onResolved={load} />
              ))}
            </Table.Body>
          </Table>
        </div>
      )}
    </Container>
  )
}

const PaidWithoutOrderRow = ({ payment, onResolved }: { payment: AdminPaidWithoutOrder; onResolved: () => void }) => {
  const { t, amount, dateTime } = usePluginTranslation()
  const prompt = usePrompt()
  const [note, setNote] = useState("")
  const [busy, setBusy] = useState(false)

  const run = async (action: PaidWithoutOrderAction) => {
    const confirmed = await prompt({
      title: t(ACTIONS[action].label),
      description: t(ACTIONS[action].confirm, { amount: amount(payment.amount, payment.currency_code), name: payment.name }),
      confirmText: t(ACTIONS[action].label),
      cancelText: t("paidWithoutOrder.cancel"),
    })
    if (!confirmed) return
    setBusy(true)
    try {
      await sdk.client.fetch(`/admin/payment-gateways/paid-without-order/${payment.id}`, {
        method: "POST",
        body: { action, ...(note.trim() ? { note: note.trim() } : {}) },
      })
      toast.success(t("paidWithoutOrder.resolved"))
      onResolved()
    } catch (e) {
      toast.error(t("paidWithoutOrder.failed"), { description: (e as Error).message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Table.Row className="align-top">
      <Table.Cell className="whitespace-nowrap">
        <div className="flex flex-col">
          <span>{amount(payment.amount, payment.currency_code)}</span>
          <span className="text-ui-fg-muted txt-compact-xsmall">
            {payment.name} · {dateTime(payment.created_at)}
          </span>
          {payment.payment && (
            <Badge size="2xsmall" className="self-start">
              {t(payment.payment.captured ? "paidWithoutOrder.captured" : "paidWithoutOrder.held")}
            </Badge>
          )}
        </div>
      </Table.Cell>
      <Table.Cell>
        <div className="flex flex-col">
          <span>{payment.email ?? "—"}</span>
          <span className="text-ui-fg-muted txt-compact-xsmall">{t("paidWithoutOrder.cart", { id: payment.cart_id })}</span>
          {payment.order_id && (
            <Link to={`/orders/${payment.order_id}`} className="text-ui-fg-interactive txt-compact-xsmall">
              {payment.order_id}
            </Link>
          )}
        </div>
      </Table.Cell>
      <Table.Cell className="max-w-md whitespace-normal">
        <span className="text-ui-fg-subtle">{payment.reason}</span>
      </Table.Cell>
      <Table.Cell>
        <div className="flex flex-col gap-y-2">
          <Input size="small" placeholder={t("paidWithoutOrder.note")} aria-label={t("paidWithoutOrder.note")} value={note} onChange={(e) => setNote(e.target.value)} />
          <div className="flex flex-wrap gap-2">
            {payment.actions.map((action) => (
              <Button key={action} size="small" variant={action === "place_order" ? "primary" : "secondary"} disabled={busy} onClick={() => run(action)}>
                {t(ACTIONS[action].label)}
              </Button>
            ))}
          </div>
        </div>
      </Table.Cell>
    </Table.Row>
  )
}
