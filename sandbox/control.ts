import express, { NextFunction, Request, Response, Router } from "express"
import { randomInt } from "node:crypto"
import { STATUS_CODES } from "node:http"
import { z } from "zod"

/**
 * Plumbing shared by every gateway's control API (`/__control/<gateway>/...`):
 * a JSON router, validated input, and the "next call fails / hangs" fault slot.
 */

/** A router for a gateway's control routes: JSON in, JSON out. */
export function controlRouter(): Router {
  const router = Router()
  router.use(express.json())
  return router
}

/** The control request's body checked against `schema`; on bad input answers 400 `{message}` and returns undefined. */
export function controlInput<T extends z.ZodType>(schema: T, req: Request, res: Response): z.infer<T> | undefined {
  const parsed = schema.safeParse(req.body ?? {})
  if (!parsed.success) {
    res.status(400).json({ message: z.prettifyError(parsed.error) })
    return undefined
  }
  return parsed.data
}

/** Last handler of the whole sandbox: malformed JSON and bugs answer JSON, never an HTML stack trace. */
export function jsonErrorHandler(error: any, _req: Request, res: Response, _next: NextFunction) {
  const status = Number(error?.status ?? error?.statusCode) || 500
  res.status(status).json({ message: status === 500 ? "Sandbox internal error" : String(error?.message ?? error) })
}

export const faultSchema = z
  .object({
    /** Answer the gateway's own error body with this code and message. */
    error: z.object({ code: z.string().min(1), message: z.string() }).strict().optional(),
    /** Answer this HTTP status (with `error`: that status and the error body; alone: a plain-text error page). */
    httpStatus: z.number().int().min(400).max(599).optional(),
    /** Hold the answer this long (the request is still processed), to exercise client timeouts. */
    hangMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict()
  .refine((f) => f.error || f.httpStatus || f.hangMs, "give error, httpStatus and/or hangMs")

export type Fault = z.infer<typeof faultSchema>

/** One armed fault, consumed by the next call that checks it. */
export class FaultSlot {
  private armed: Fault | undefined

  arm(fault: Fault) {
    this.armed = fault
  }

  take(): Fault | undefined {
    const fault = this.armed
    this.armed = undefined
    return fault
  }

  clear() {
    this.armed = undefined
  }
}

/** Answers an injected failure that carries no gateway error body: the status and its reason phrase as text. */
export function sendHttpFailure(res: Response, status: number) {
  res.status(status).type("text/plain").send(STATUS_CODES[status] ?? "Error")
}

/** Waits `ms`, or less if the client hangs up first (or the sandbox closes its connections). */
export function hold(ms: number, res: Response): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    res.once("close", done)
    function done() {
      clearTimeout(timer)
      res.off("close", done)
      resolve()
    }
  })
}

/**
 * The ids a gateway numbers its orders with. A real gateway never hands out
 * the same number twice to one shop, but the sandbox forgets everything when
 * it stops: counting on from a random start (and on across `/__control/reset`)
 * keeps a demo run on an existing database from reusing the ids of the
 * payments it already holds. `reuseNext` gives the next order an id seen
 * before, as a gateway that was reset or renumbered would.
 */
export class GatewayIds {
  private next: number
  private reused: string | undefined

  constructor(first: number, spread: number) {
    this.next = first + randomInt(spread)
  }

  /** The next number of the gateway's sequence. */
  nextNumber(): number {
    return this.next++
  }

  /** The id a new order gets: the one armed by `/next-gateway-id`, else `fresh`. */
  idFor(fresh: string): string {
    const reused = this.reused
    this.reused = undefined
    return reused ?? fresh
  }

  clear() {
    this.reused = undefined
  }

  /** `POST /next-gateway-id { id }`: the next order gets this id. */
  route(router: Router) {
    router.post("/next-gateway-id", (req, res) => {
      const input = controlInput(z.object({ id: z.string().min(1) }).strict(), req, res)
      if (!input) return
      this.reused = input.id
      res.json({ armed: input.id })
    })
  }
}
