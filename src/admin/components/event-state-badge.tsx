import { Badge } from "@medusajs/ui"
import type { AdminGatewayEvent } from "../../api/admin/payment-gateways/gateway-event-view"
import { usePluginTranslation } from "../lib/i18n"

const STATE_COLOR: Record<AdminGatewayEvent["state"], "green" | "orange" | "red" | "grey" | "blue"> = {
  received: "blue",
  processing: "blue",
  processed: "green",
  failed: "red",
  flagged: "orange",
  ignored: "grey",
}

/**
 * Where a stored gateway event stands. An event settled with a reason for
 * the operator (processed, but e.g. after the order was placed) is a warning,
 * never a green "processed".
 */
export const EventStateBadge = ({ event }: { event: Pick<AdminGatewayEvent, "state" | "flag_reason"> }) => {
  const { t } = usePluginTranslation()
  const settled = event.state === "processed" || event.state === "ignored"
  if (event.flag_reason && settled) {
    return (
      <Badge size="2xsmall" color="orange">
        {t("eventState.needsAttention")}
      </Badge>
    )
  }
  return (
    <Badge size="2xsmall" color={STATE_COLOR[event.state]}>
      {t(`eventState.${event.state}`)}
    </Badge>
  )
}
