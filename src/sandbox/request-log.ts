import type { NextFunction, Request, Response } from "express"

export type LoggedRequest = {
  at: string
  method: string
  path: string
  headers: Record<string, unknown>
  body: unknown
}

const SECRET_HEADERS = /^(x-uid|x-public-key|x-private-key|authorization|apikey)$/i

/** What the gateways received, for tests to assert on; credentials masked. */
export class RequestLog {
  private entries: LoggedRequest[] = []

  middleware = (req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith("/__control")) {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, SECRET_HEADERS.test(k) ? "***" : v])
      )
      const entry: LoggedRequest = { at: new Date().toISOString(), method: req.method, path: req.path, headers, body: undefined }
      this.entries.push(entry)
      // the gateway router parses the body; read it once the answer is sent
      res.on("finish", () => {
        entry.body = req.body
      })
    }
    next()
  }

  list() {
    return this.entries
  }

  clear() {
    this.entries = []
  }
}
