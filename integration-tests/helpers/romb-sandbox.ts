import axios from "axios"

const control = () => `${process.env.SANDBOX_URL}/__control`

/** The Romb emulator's control API and the customer's clicks on its pay page. */
export const rombSandbox = {
  reset: () => axios.post(`${control()}/reset`),
  setCallbackUrl: (callbackUrl: string) => axios.post(`${control()}/romb/merchant`, { callbackUrl }),
  failNextCreate: (error: { code: string; message: string }) =>
    axios.post(`${control()}/romb/next-create`, { error }),
  hangNextCreate: (hangMs: number) => axios.post(`${control()}/romb/next-create`, { hangMs }),
  orders: async () => (await axios.get(`${control()}/romb/orders`)).data,
  order: async (orderNumber: string) =>
    (await axios.get(`${control()}/romb/orders/${encodeURIComponent(orderNumber)}`)).data,
  pay: async (redirectUrl: string) =>
    (await axios.post(`${redirectUrl}/pay`, null, { headers: { Accept: "application/json" } })).data,
  decline: async (redirectUrl: string) =>
    (await axios.post(`${redirectUrl}/decline`, null, { headers: { Accept: "application/json" } })).data,
}
