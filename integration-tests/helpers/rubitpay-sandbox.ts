import axios from "axios"

const control = () => `${process.env.SANDBOX_URL}/__control`

/** The RubitPay emulator's control API and the customer's clicks on its pay page. */
export const rubitPaySandbox = {
  setCallbackUrl: (shopId: string, callbackUrl: string | null) =>
    axios.post(`${control()}/rubitpay/merchant`, { shopId, callbackUrl }),
  /** The engine behaviour beyond the doc: `invoice/check` (and an error code it answers), `invoice_id` in create answers, refunds. */
  features: (features: { check?: boolean; checkError?: string | null; invoiceId?: boolean; refunds?: boolean }) =>
    axios.post(`${control()}/rubitpay/features`, features),
  failNext: (error_code: string) => axios.post(`${control()}/rubitpay/next-error`, { error_code }),
  /** The next invoice is made at once, but its answer comes after hangMs. */
  hangNextInvoice: (hangMs: number) => axios.post(`${control()}/rubitpay/next-hang`, { hangMs }),
  invoices: async () => (await axios.get(`${control()}/rubitpay/invoices`)).data,
  invoice: async (shopOrderId: string) =>
    (await axios.get(`${control()}/rubitpay/invoices/${encodeURIComponent(shopOrderId)}`)).data,
  setStatus: async (shopOrderId: string, status: string) =>
    (await axios.post(`${control()}/rubitpay/invoices/${encodeURIComponent(shopOrderId)}/status`, { status })).data,
  dashboardRefund: async (shopOrderId: string, amount: string) =>
    (await axios.post(`${control()}/rubitpay/invoices/${encodeURIComponent(shopOrderId)}/refund`, { amount })).data,
  click: async (redirectUrl: string, action: "pay" | "hold" | "decline") =>
    (await axios.post(`${redirectUrl}/${action}`, null, { headers: { Accept: "application/json" } })).data,
}
