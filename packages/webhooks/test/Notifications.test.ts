/**
 * Customer notifications through the outbox: a link issued with a customer asks for an email and an
 * SMS; the dispatcher sends them through the configured notifier (a real SMTP server on loopback, an
 * HTTP SMS provider on loopback, or the sandbox inbox), and the link's status turns `sent` only once
 * the notifier confirmed.
 */
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Inbox } from "@paylinks/core/Inbox"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { SMTPServer } from "smtp-server"
import { Dispatcher } from "../src/Dispatcher.js"
import { merchant, receiver, sqliteStorage, stack, startClock } from "./helpers.js"

interface Mail {
  readonly to: ReadonlyArray<string>
  readonly data: string
}

/** A real SMTP server on loopback for the scope; `accepting` can be switched off to play an outage. */
const smtpServer = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly mails: Array<Mail>; accepting: boolean; readonly server: SMTPServer }>(
    (resume) => {
      const state = { mails: [] as Array<Mail>, accepting: true }
      const server = new SMTPServer({
        secure: false,
        disabledCommands: ["STARTTLS", "AUTH"],
        onMailFrom: (_address, _session, callback) =>
          state.accepting
            ? callback()
            : callback(Object.assign(new Error("Service unavailable"), { responseCode: 421 })),
        onData: (stream, session, callback) => {
          const chunks: Array<Buffer> = []
          stream.on("data", (chunk: Buffer) => chunks.push(chunk))
          stream.on("end", () => {
            state.mails.push({
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              data: Buffer.concat(chunks).toString("utf8")
            })
            callback()
          })
        }
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed(Object.assign(state, { port: (server.server.address() as AddressInfo).port, server })))
      )
    }
  ),
  ({ server }) => Effect.async<void>((resume) => server.close(() => resume(Effect.void)))
)

const customer = { name: "Gaurav Kumar", email: "gaurav@example.com", contact: "+919876543210" }

describe("customer notifications from the outbox", () => {
  it.scoped("email through a real SMTP server, SMS through an HTTP provider: statuses turn sent on confirmation", () =>
    Effect.gen(function* () {
      yield* startClock
      const smtp = yield* smtpServer
      const provider = yield* receiver(() => 202)
      const notifier = {
        email: { host: "127.0.0.1", port: smtp.port, security: "none", from: "Acme <pay@acme.example>" },
        sms: { url: provider.url }
      } as const
      yield* Effect.gen(function* () {
        const principal = yield* merchant("Acme Stores")
        const links = yield* PaymentLinks
        const link = yield* links.create(principal, {
          type: "link",
          amount: 29995,
          description: "Blue running shoes",
          customer
        })
        expect([link.smsStatus, link.emailStatus]).toEqual(["pending", "pending"])
        const report = yield* (yield* Dispatcher).runOnce
        expect(report.notified).toBe(2)

        expect(smtp.mails).toHaveLength(1)
        expect(smtp.mails[0]!.to).toEqual(["gaurav@example.com"])
        expect(smtp.mails[0]!.data).toContain("Subject: Payment request from Acme Stores: INR 299.95")
        expect(smtp.mails[0]!.data).toContain(link.shortUrl)
        expect(provider.received).toHaveLength(1)
        const sms = JSON.parse(provider.received[0]!.body)
        expect(sms).toMatchObject({ to: "+919876543210", reference: link.id })
        expect(sms.message).toContain(link.shortUrl)
        expect(sms.message).toContain("Acme Stores")

        const after = yield* links.get(principal.tenant, link.id)
        expect([after.smsStatus, after.emailStatus]).toEqual(["sent", "sent"])
        // Done: nothing is sent twice.
        expect((yield* (yield* Dispatcher).runOnce).notified).toBe(0)
        expect(smtp.mails).toHaveLength(1)

        // notify_by/email sends it again.
        yield* links.notify(principal.tenant, link.id, "email")
        expect((yield* links.get(principal.tenant, link.id)).emailStatus).toBe("pending")
        expect((yield* (yield* Dispatcher).runOnce).notified).toBe(1)
        expect(smtp.mails).toHaveLength(2)
        expect((yield* links.get(principal.tenant, link.id)).emailStatus).toBe("sent")
      }).pipe(Effect.provide(stack(sqliteStorage(), { notifier })))
    })
  )

  it.scoped("while the SMTP server refuses, email_status stays pending; it is retried later and then sent", () =>
    Effect.gen(function* () {
      yield* startClock
      const smtp = yield* smtpServer
      smtp.accepting = false
      const notifier = {
        email: { host: "127.0.0.1", port: smtp.port, security: "none", from: "a@acme.example" },
        sms: undefined
      } as const
      yield* Effect.gen(function* () {
        const principal = yield* merchant()
        const links = yield* PaymentLinks
        const dispatcher = yield* Dispatcher
        const link = yield* links.create(principal, {
          type: "link",
          amount: 1000,
          customer: { email: "gaurav@example.com" }
        })
        expect((yield* dispatcher.runOnce).notified).toBe(0)
        expect((yield* links.get(principal.tenant, link.id)).emailStatus).toBe("pending")
        expect(smtp.mails).toHaveLength(0)
        // Not retried at once...
        smtp.accepting = true
        expect((yield* dispatcher.runOnce).notified).toBe(0)
        // ...but after the backoff (at most the 10 s base delay for a fresh failure).
        yield* TestClock.adjust("10 seconds")
        expect((yield* dispatcher.runOnce).notified).toBe(1)
        expect(smtp.mails.map((mail) => mail.to)).toEqual([["gaurav@example.com"]])
        expect((yield* links.get(principal.tenant, link.id)).emailStatus).toBe("sent")
      }).pipe(Effect.provide(stack(sqliteStorage(), { notifier })))
    })
  )

  it.scoped("with nothing configured, notifications land in the sandbox inbox", () =>
    Effect.gen(function* () {
      yield* startClock
      const principal = yield* merchant("Bolt Bikes")
      const links = yield* PaymentLinks
      const link = yield* links.create(principal, { type: "link", amount: 150000, description: "Tune-up", customer })
      yield* links.create(principal, {
        type: "link",
        amount: 1000,
        customer: { contact: "+919000000001" },
        sms_notify: 0
      })
      expect((yield* (yield* Dispatcher).runOnce).notified).toBe(2)
      const inbox = yield* (yield* Inbox).list(principal.tenant, {})
      expect(inbox.map((message) => `${message.channel} ${message.to} ${message.linkId}`).sort()).toEqual([
        `email gaurav@example.com ${link.id}`,
        `sms +919876543210 ${link.id}`
      ])
      expect(inbox.find((message) => message.channel === "sms")!.text).toBe(
        `Bolt Bikes requests a payment of INR 1500.00 for "Tune-up". Pay here: ${link.shortUrl}`
      )
      const after = yield* links.get(principal.tenant, link.id)
      expect([after.smsStatus, after.emailStatus]).toEqual(["sent", "sent"])
    }).pipe(Effect.provide(stack(sqliteStorage())))
  )

  it.scoped("a link cancelled before its notification went out is not announced to the customer", () =>
    Effect.gen(function* () {
      yield* startClock
      const principal = yield* merchant()
      const links = yield* PaymentLinks
      const link = yield* links.create(principal, { type: "link", amount: 1000, customer })
      yield* links.cancel(principal.tenant, link.id)
      expect((yield* (yield* Dispatcher).runOnce).notified).toBe(0)
      expect(yield* (yield* Inbox).list(principal.tenant, {})).toEqual([])
      expect((yield* links.get(principal.tenant, link.id)).emailStatus).toBe("pending")
    }).pipe(Effect.provide(stack(sqliteStorage())))
  )
})
