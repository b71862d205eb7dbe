import { faultMatrices } from "./gateway-fault-server"
import { describeExchangerRetries, exchangerMatrix } from "./gateway-faults-exchanger"
import { describeRombRetries, rombMatrix } from "./gateway-faults-romb"
import { describeRubitPayRetries, rubitpayMatrix } from "./gateway-faults-rubitpay"

/**
 * Issue 11, gateway faults at every call: each provider's real service, as
 * Medusa calls it, against a local gateway that fails exactly one call at a
 * time — HTTP 500/502/503, silence, a reset connection (before and during the
 * answer), a body that is not JSON, JSON of the wrong shape, the credentials
 * refused (401/403, bare and in the gateway's own error shape). What a user
 * would notice is checked for each: a MedusaError of the fault's kind
 * (unavailable: 422-class `payment_authorization_error`/`gateway_unavailable`;
 * credentials: `unexpected_state`/`gateway_misconfigured`), a message naming
 * the gateway and the call and no secret, retries only for calls sent as
 * idempotent, and never success data. The matrices of the three gateways run
 * in parallel (see faultMatrices); `GATEWAY_FAULTS_MATRIX=1` prints them.
 */
faultMatrices([rombMatrix, rubitpayMatrix, exchangerMatrix])

describeRombRetries()
describeRubitPayRetries()
describeExchangerRetries()
