/**
 * Email through a real SMTP server on loopback (the `smtp-server` package): what it received is what a
 * customer's mail server would.
 */
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { SMTPServer } from "smtp-server"
import * as SmtpNotifier from "../src/SmtpNotifier.js"
import * as Templates from "@paylinks/core/NotificationTemplates"
import { issuedLink } from "./fixtures.js"

interface Mail {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly data: string
  readonly user: string | undefined
}

/** A loopback SMTP server for the scope. */
const smtpServer = (options: { readonly auth?: { user: string; pass: string }; readonly refuse?: string }) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly mails: Array<Mail>; readonly server: SMTPServer }>((resume) => {
      const mails: Array<Mail> = []
      const server = new SMTPServer({
        secure: false,
        disabledCommands: ["STARTTLS"],
        authOptional: options.auth === undefined,
        allowInsecureAuth: true,
        onAuth: (auth, _session, callback) =>
          auth.username === options.auth?.user && auth.password === options.auth?.pass
            ? callback(null, { user: auth.username })
            : callback(new Error("Invalid username or password")),
        onRcptTo: (address, _session, callback) =>
          address.address === options.refuse ? callback(new Error("No such mailbox")) : callback(),
        onData: (stream, session, callback) => {
          const chunks: Array<Buffer> = []
          stream.on("data", (chunk: Buffer) => chunks.push(chunk))
          stream.on("end", () => {
            mails.push({
              from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              data: Buffer.concat(chunks).toString("utf8"),
              user: typeof session.user === "string" ? session.user : undefined
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

const customer = { name: "Gaurav Kumar", email: "gaurav@example.com", contact: "+919876543210" }

describe("SmtpNotifier against a real SMTP server on loopback", () => {
  it.scoped("delivers the email to the customer, with the link in the body, and reports the message id", () =>
    Effect.gen(function* () {
      const smtp = yield* smtpServer({ auth: { user: "mailer", pass: "s3cret" } })
      const notifier = yield* SmtpNotifier.make({
        host: "127.0.0.1",
        port: smtp.port,
        security: "none",
        user: "mailer",
        password: Redacted.make("s3cret"),
        from: "Acme Payments <payments@acme.example>"
      })
      const link = issuedLink({ amount: 29995, description: "Blue running shoes", customer })
      const receipt = yield* notifier.send(Templates.message(link, "email", "Acme Stores")!)
      expect(receipt.provider).toBe("smtp")
      expect(receipt.messageId).toMatch(/^<.+@.+>$/)
      expect(smtp.mails).toHaveLength(1)
      const mail = smtp.mails[0]!
      expect(mail.user).toBe("mailer")
      expect(mail.from).toBe("payments@acme.example")
      expect(mail.to).toEqual(["gaurav@example.com"])
      expect(mail.data).toContain("Subject: Payment request from Acme Stores: INR 299.95")
      expect(mail.data).toContain("https://pay.example/i/Ab3dE6gH")
      expect(mail.data).toContain(`Message-ID: ${receipt.messageId}`)
    })
  )

  it.scoped("a refused recipient is a typed failure, not a confirmation", () =>
    Effect.gen(function* () {
      const smtp = yield* smtpServer({ refuse: "gaurav@example.com" })
      const notifier = yield* SmtpNotifier.make({
        host: "127.0.0.1",
        port: smtp.port,
        security: "none",
        from: "a@b.example"
      })
      const error = yield* Effect.flip(notifier.send(Templates.message(issuedLink({ customer }), "email", "Acme")!))
      expect(error._tag).toBe("NotificationFailed")
      expect(error.channel).toBe("email")
      expect(error.reason).toContain("No such mailbox")
      expect(smtp.mails).toHaveLength(0)
    })
  )

  it.scoped("wrong credentials are a typed failure", () =>
    Effect.gen(function* () {
      const smtp = yield* smtpServer({ auth: { user: "mailer", pass: "s3cret" } })
      const notifier = yield* SmtpNotifier.make({
        host: "127.0.0.1",
        port: smtp.port,
        security: "none",
        user: "mailer",
        password: Redacted.make("wrong"),
        from: "a@b.example"
      })
      const error = yield* Effect.flip(notifier.send(Templates.message(issuedLink({ customer }), "email", "Acme")!))
      expect(error.reason).toContain("Invalid login")
      expect(smtp.mails).toHaveLength(0)
    })
  )

  it.scoped("an SMTP server that is not there is a typed failure", () =>
    Effect.gen(function* () {
      const smtp = yield* smtpServer({})
      const port = smtp.port
      yield* Effect.async<void>((resume) => smtp.server.close(() => resume(Effect.void)))
      const notifier = yield* SmtpNotifier.make({ host: "127.0.0.1", port, security: "none", from: "a@b.example" })
      const error = yield* Effect.flip(notifier.send(Templates.message(issuedLink({ customer }), "email", "Acme")!))
      expect(error.reason).toMatch(/ECONNREFUSED|connect/i)
    })
  )
})
