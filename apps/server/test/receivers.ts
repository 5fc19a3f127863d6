/**
 * What the server's dispatcher talks to, for real, on loopback: a webhook receiver (HTTP) and an SMTP
 * server; and bounded polling for what arrives asynchronously.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import { SMTPServer } from "smtp-server"

export interface Hit {
  /** The path the request was sent to. */
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  /** The body exactly as received. */
  readonly raw: string
  readonly json: any
}

export interface Receiver {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly hits: Array<Hit>
  /** The status it answers with; `hang` holds every request open until the receiver closes. */
  answer: number | "hang"
  readonly close: () => Promise<void>
}

/** A webhook receiver on 127.0.0.1 that records every request. */
export const startReceiver = (): Promise<Receiver> =>
  new Promise((resolve) => {
    const hits: Array<Hit> = []
    const state = { answer: 200 as number | "hang" }
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8")
        let json: unknown
        try {
          json = JSON.parse(raw)
        } catch {
          json = undefined
        }
        hits.push({ path: req.url ?? "", headers: req.headers, raw, json })
        if (state.answer === "hang") return
        res.writeHead(state.answer, { "content-type": "text/plain" }).end("ok")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve(
        Object.assign(state, {
          url: `http://127.0.0.1:${port}`,
          hits,
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections()
              server.close(() => done())
            })
        })
      )
    })
  })

/** A receiver for the scope. */
export const receiver = Effect.acquireRelease(Effect.promise(startReceiver), (started) => Effect.promise(started.close))

export interface Mail {
  readonly from: string
  readonly to: ReadonlyArray<string>
  /** The message as sent (headers and body). */
  readonly data: string
}

/** A real SMTP server on 127.0.0.1 for the scope, accepting every message. */
export const smtpServer = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly mails: Array<Mail>; readonly server: SMTPServer }>((resume) => {
    const mails: Array<Mail> = []
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Array<Buffer> = []
        stream.on("data", (chunk: Buffer) => chunks.push(chunk))
        stream.on("end", () => {
          mails.push({
            from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            data: Buffer.concat(chunks).toString("utf8")
          })
          callback()
        })
      }
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ port: (server.server.address() as AddressInfo).port, mails, server }))
    )
  }),
  ({ server }) => Effect.async<void>((resume) => server.close(() => resume(Effect.void)))
)

/**
 * Asks `probe` again (every 25 ms of real time) until it answers something, and fails naming `what`
 * and the last answer once `timeoutMs` have passed. The deadline only bounds a test that would
 * otherwise hang: what is asserted is what arrived.
 */
export const eventually = <A, E, R>(
  what: string,
  probe: Effect.Effect<A | undefined, E, R>,
  timeoutMs = 30_000
): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = yield* probe
      if (found !== undefined) return found
      if (Date.now() > deadline) return yield* Effect.dieMessage(`Nothing after ${timeoutMs} ms: ${what}`)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 25)))
    }
  })
