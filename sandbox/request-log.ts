import type { NextFunction, Request, Response } from "express"

export type LoggedRequest = {
  at: string
  method: string
  path: string
  headers: Record<string, unknown>
  /** As the gateway router read it: the raw text for the gateways (they parse it themselves), form fields for page posts. */
  body: unknown
}

/** Credentials never reach the log: Romb's three X-* headers and any generic auth header show as "***". */
const SECRET_HEADERS = /^(x-uid|x-public-key|x-private-key|authorization|apikey|cookie)$/i

/** What the gateways received (control API calls excluded), for tests to assert on. */
export class RequestLog {
  private entries: LoggedRequest[] = []

  middleware = (req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith("/__control")) {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, SECRET_HEADERS.test(k) ? "***" : v])
      )
      const entry: LoggedRequest = { at: new Date().toISOString(), method: req.method, path: req.path, headers, body: undefined }
      this.entries.push(entry)
      // the gateway router parses the body; read it once the answer is sent (or the client gave up)
      const readBody = () => {
        entry.body = req.body
      }
      res.once("finish", readBody)
      res.once("close", readBody)
    }
    next()
  }

  /** Everything, or only the requests whose path starts with `pathPrefix` (e.g. "/romb"). */
  list(pathPrefix?: string) {
    return pathPrefix ? this.entries.filter((e) => e.path.startsWith(pathPrefix)) : this.entries
  }

  clear() {
    this.entries = []
  }
}
