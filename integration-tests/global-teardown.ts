/** After the integration suites: close the sandbox, stop the embedded PostgreSQL if one was started. */
export default async function globalTeardown() {
  const context = (globalThis as any).__REDIRECT_PAYMENTS_TEST__
  await context?.sandbox.close()
  await context?.postgres.stop()
}
