import { defineRouteConfig } from "@medusajs/admin-sdk"
import { CreditCard } from "@medusajs/icons"
import { Badge, Button, Container, Copy, Heading, Input, Label, Select, Switch, Table, Text } from "@medusajs/ui"
import { FormEvent, ReactNode, useEffect, useState } from "react"
import { useTranslation } from "react-i18next"
import { Link } from "react-router-dom"
import type { AdminGatewayEventsResponse } from "../../../../api/admin/payment-gateways/events/route"
import type { AdminPaymentGateway, AdminPaymentGatewaysResponse } from "../../../../api/admin/payment-gateways/route"
import { GATEWAY_EVENT_STATES, type GatewayEventState } from "../../../../modules/gateway-inbox/event-states"
import { EventStateBadge } from "../../../components/event-state-badge"
import { PaidWithoutOrderSection } from "../../../components/paid-without-order"
import { usePluginTranslation } from "../../../lib/i18n"
import { sdk } from "../../../lib/sdk"

const PAGE_SIZE = 20
/** Select items cannot have an empty value: this one stands for "no filter". */
const ALL = "all"

/** Settings → Payment gateways: each registration, where its webhooks go and what arrived; the events for support work. */
const PaymentGatewaysPage = () => {
  const { t } = usePluginTranslation()
  const [state, setState] = useState<AdminPaymentGatewaysResponse | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    sdk.client
      .fetch<AdminPaymentGatewaysResponse>("/admin/payment-gateways")
      .then(setState)
      .catch((e: Error) => setError(e.message))
  }, [])

  return (
    <div className="flex flex-col gap-y-3">
      <Container className="divide-y p-0">
        <div className="px-6 py-4">
          <Heading>{t("settings.title")}</Heading>
          <Text size="small" className="text-ui-fg-subtle">
            {t("settings.description")}
          </Text>
        </div>
        {error && (
          <Text size="small" className="px-6 py-4">
            {t("settings.loadFailed", { error })}
          </Text>
        )}
        {state?.gateways.length === 0 && (
          <Text size="small" className="text-ui-fg-subtle px-6 py-4">
            {t("settings.none")}
          </Text>
        )}
        {state?.gateways.map((gateway) => <GatewayRegistration key={gateway.provider_id} gateway={gateway} />)}
      </Container>
      {state && state.gateways.length > 0 && <PaidWithoutOrderSection />}
      {state && state.gateways.length > 0 && <GatewayEvents gateways={state.gateways} />}
    </div>
  )
}

const Fact = ({ label, children }: { label: string; children: ReactNode }) => (
  <>
    <Text size="small" className="text-ui-fg-subtle">
      {label}
    </Text>
    <div className="txt-small text-ui-fg-base">{children}</div>
  </>
)

const GatewayRegistration = ({ gateway }: { gateway: AdminPaymentGateway }) => {
  const { t, dateTime } = usePluginTranslation()
  const refused = gateway.refused.unauthorized + gateway.refused.malformed
  return (
    <div className="flex flex-col gap-y-3 px-6 py-4">
      <div className="flex items-center justify-between gap-x-2">
        <div className="flex flex-col">
          <Text weight="plus">{gateway.name}</Text>
          <Text size="xsmall" className="text-ui-fg-muted">
            {gateway.provider_id}
          </Text>
        </div>
        <Badge size="2xsmall">{t(`gateway.${gateway.gateway}`)}</Badge>
      </div>
      <div className="grid grid-cols-[minmax(0,1fr)_minmax(0,2fr)] gap-x-4 gap-y-2">
        <Fact label={t("settings.webhookUrl")}>
          {gateway.webhook_url ? (
            <div className="flex flex-col gap-y-1">
              <div className="flex items-center gap-x-1">
                <code className="txt-compact-small break-all">{gateway.webhook_url}</code>
                <Copy content={gateway.webhook_url} />
              </div>
              <Text size="xsmall" className="text-ui-fg-muted">
                {t("settings.webhookUrlHint")}
              </Text>
            </div>
          ) : (
            t("settings.webhookSentWithOrder")
          )}
        </Fact>
        <Fact label={t("settings.statusCall")}>{t(gateway.has_status_call ? "settings.statusCallYes" : "settings.statusCallNo")}</Fact>
        <Fact label={t("settings.lastNotification")}>
          {gateway.last_notification
            ? t("settings.lastNotificationValue", {
                status: gateway.last_notification.gateway_status,
                time: dateTime(gateway.last_notification.received_at),
              })
            : t("settings.noNotificationYet")}
        </Fact>
        <Fact label={t("settings.awaiting")}>{gateway.awaiting_processing}</Fact>
        <Fact label={t("settings.flagged")}>
          {gateway.flagged > 0 ? (
            <Badge size="2xsmall" color="orange">
              {gateway.flagged}
            </Badge>
          ) : (
            0
          )}
        </Fact>
        <Fact label={t("settings.refused")}>
          {refused > 0 ? (
            <div className="flex flex-col gap-y-1">
              <Badge size="2xsmall" color="red" className="self-start">
                {refused}
              </Badge>
              <Text size="xsmall" className="text-ui-fg-subtle">
                {t("settings.refusedDetail", gateway.refused)}
                {gateway.last_refused_at && ` · ${t("settings.lastRefused", { time: dateTime(gateway.last_refused_at) })}`}
              </Text>
            </div>
          ) : (
            0
          )}
        </Fact>
      </div>
    </div>
  )
}

type EventFilters = { provider_id?: string; state?: GatewayEventState; flagged?: true; order_id?: string }

/** The stored gateway events, newest first, filtered and paged on the server. */
const GatewayEvents = ({ gateways }: { gateways: AdminPaymentGateway[] }) => {
  const { t, amount, dateTime } = usePluginTranslation()
  // Medusa's own words for the pagination, as the rest of the admin shows them
  const { t: medusa } = useTranslation()
  const [filters, setFilters] = useState<EventFilters>({})
  const [orderInput, setOrderInput] = useState("")
  const [pageIndex, setPageIndex] = useState(0)
  const [page, setPage] = useState<AdminGatewayEventsResponse | null>(null)
  const [error, setError] = useState<string | null>(null)
  const names = new Map(gateways.map((gateway) => [gateway.provider_id, gateway.name]))

  useEffect(() => {
    // a slower answer to an older filter must not replace a newer one
    let current = true
    sdk.client
      .fetch<AdminGatewayEventsResponse>("/admin/payment-gateways/events", {
        query: { ...filters, limit: PAGE_SIZE, offset: pageIndex * PAGE_SIZE },
      })
      .then((body) => {
        if (!current) return
        setPage(body)
        setError(null)
      })
      .catch((e: Error) => current && setError(e.message))
    return () => {
      current = false
    }
  }, [filters, pageIndex])

  const filter = (change: EventFilters) => {
    setFilters((previous) => ({ ...previous, ...change }))
    setPageIndex(0)
  }
  const applyOrder = (e: FormEvent) => {
    e.preventDefault()
    filter({ order_id: orderInput.trim() || undefined })
  }
  const pageCount = page ? Math.ceil(page.count / PAGE_SIZE) : 0

  return (
    <Container className="divide-y p-0">
      <div className="flex flex-col gap-y-3 px-6 py-4">
        <div>
          <Heading level="h2">{t("events.title")}</Heading>
          <Text size="small" className="text-ui-fg-subtle">
            {t("events.description")}
          </Text>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <Select size="small" value={filters.provider_id ?? ALL} onValueChange={(value) => filter({ provider_id: value === ALL ? undefined : value })}>
            <Select.Trigger className="w-56">
              <Select.Value />
            </Select.Trigger>
            <Select.Content>
              <Select.Item value={ALL}>{t("events.allGateways")}</Select.Item>
              {gateways.map((gateway) => (
                <Select.Item key={gateway.provider_id} value={gateway.provider_id}>
                  {gateway.name}
                </Select.Item>
              ))}
            </Select.Content>
          </Select>
          <Select
            size="small"
            value={filters.state ?? ALL}
            onValueChange={(value) => filter({ state: GATEWAY_EVENT_STATES.find((state) => state === value) })}
          >
            <Select.Trigger className="w-48">
              <Select.Value />
            </Select.Trigger>
            <Select.Content>
              <Select.Item value={ALL}>{t("events.allStates")}</Select.Item>
              {GATEWAY_EVENT_STATES.map((state) => (
                <Select.Item key={state} value={state}>
                  {t(`eventState.${state}`)}
                </Select.Item>
              ))}
            </Select.Content>
          </Select>
          <div className="flex items-center gap-x-2">
            <Switch
              id="gateway-events-flagged"
              checked={filters.flagged === true}
              onCheckedChange={(checked) => filter({ flagged: checked ? true : undefined })}
            />
            <Label size="small" htmlFor="gateway-events-flagged">
              {t("events.flaggedOnly")}
            </Label>
          </div>
          <form className="flex items-center gap-x-2" onSubmit={applyOrder}>
            <Input
              size="small"
              className="w-56"
              aria-label={t("events.orderId")}
              placeholder={t("events.orderIdPlaceholder")}
              value={orderInput}
              onChange={(e) => setOrderInput(e.target.value)}
            />
            <Button size="small" variant="secondary" type="submit">
              {t("events.applyOrder")}
            </Button>
          </form>
        </div>
      </div>
      {error && (
        <Text size="small" className="px-6 py-4">
          {t("events.loadFailed", { error })}
        </Text>
      )}
      {page && page.events.length === 0 && (
        <Text size="small" className="text-ui-fg-subtle px-6 py-4">
          {t("events.none")}
        </Text>
      )}
      {page && page.events.length > 0 && (
        <div className="overflow-x-auto">
          <Table>
            <Table.Header>
              <Table.Row>
                <Table.HeaderCell>{t("events.received")}</Table.HeaderCell>
                <Table.HeaderCell>{t("events.gateway")}</Table.HeaderCell>
                <Table.HeaderCell>{t("events.gatewayStatus")}</Table.HeaderCell>
                <Table.HeaderCell>{t("events.amount")}</Table.HeaderCell>
                <Table.HeaderCell>{t("events.state")}</Table.HeaderCell>
                <Table.HeaderCell>{t("events.payment")}</Table.HeaderCell>
                <Table.HeaderCell>{t("events.reason")}</Table.HeaderCell>
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {page.events.map((event) => (
                <Table.Row key={event.id} className="align-top">
                  <Table.Cell className="whitespace-nowrap">{dateTime(event.created_at)}</Table.Cell>
                  <Table.Cell>{names.get(event.provider_id) ?? event.provider_id}</Table.Cell>
                  <Table.Cell>
                    <div className="flex flex-col">
                      <span>{event.gateway_status}</span>
                      {event.gateway_reference && <span className="text-ui-fg-muted txt-compact-xsmall">{event.gateway_reference}</span>}
                    </div>
                  </Table.Cell>
                  <Table.Cell className="whitespace-nowrap">{event.amount ? amount(event.amount, event.currency_code) : "—"}</Table.Cell>
                  <Table.Cell>
                    <EventStateBadge event={event} />
                  </Table.Cell>
                  <Table.Cell>
                    {event.order_id ? (
                      <Link to={`/orders/${event.order_id}`} className="text-ui-fg-interactive hover:text-ui-fg-interactive-hover">
                        {event.order_id}
                      </Link>
                    ) : event.cart_id ? (
                      t("events.cart", { id: event.cart_id })
                    ) : (
                      event.session_id ?? "—"
                    )}
                  </Table.Cell>
                  <Table.Cell className="max-w-md whitespace-normal">
                    {event.flag_reason && <span className="text-ui-fg-subtle">{event.flag_reason}</span>}
                    {event.last_error && <span className="text-ui-fg-error block">{event.last_error}</span>}
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table>
        </div>
      )}
      {page && page.count > 0 && (
        <Table.Pagination
          count={page.count}
          pageSize={PAGE_SIZE}
          pageIndex={pageIndex}
          pageCount={pageCount}
          canPreviousPage={pageIndex > 0}
          canNextPage={pageIndex + 1 < pageCount}
          previousPage={() => setPageIndex((index) => index - 1)}
          nextPage={() => setPageIndex((index) => index + 1)}
          translations={{
            of: medusa("general.of"),
            results: medusa("general.results"),
            pages: medusa("general.pages"),
            prev: medusa("general.prev"),
            next: medusa("general.next"),
          }}
        />
      )}
    </Container>
  )
}

export const config = defineRouteConfig({
  // the key in the plugin's namespace; Medusa reads translationNs as written here, so it is spelled out
  label: "settings.menuLabel",
  translationNs: "redirect-payments",
  icon: CreditCard,
})

export default PaymentGatewaysPage
