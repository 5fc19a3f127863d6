import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import * as InMemoryInbox from "@paylinks/core/InMemoryInbox"
import { Inbox } from "@paylinks/core/Inbox"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import { Notifier } from "@paylinks/core/Notifier"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as NotifierSettings from "../src/NotifierSettings.js"
import * as Templates from "@paylinks/core/NotificationTemplates"
import { httpServer, issuedLink, TENANT } from "./fixtures.js"

const settingsOf = (env: Record<string, string>) =>
  Either.getOrThrowWith(NotifierSettings.fromEnv(env), (error) => new Error(error.message))
const errorOf = (env: Record<string, string>) =>
  Either.match(NotifierSettings.fromEnv(env), { onLeft: (error) => error.message, onRight: () => "accepted" })

describe("NotifierSettings", () => {
  it("nothing configured: every channel goes to the sandbox inbox", () => {
    expect(settingsOf({})).toEqual(NotifierSettings.sandbox)
    expect(NotifierSettings.describe(settingsOf({}))).toBe("email: sandbox inbox, sms: sandbox inbox")
  })

  it("reads an SMTP URL with credentials and TLS from the scheme", () => {
    const settings = settingsOf({
      PAYLINKS_SMTP_URL: "smtps://mailer:p%40ss@mail.example:2465",
      PAYLINKS_SMTP_FROM: "A <a@x.example>"
    })
    expect(settings.email).toMatchObject({
      host: "mail.example",
      port: 2465,
      security: "tls",
      user: "mailer",
      from: "A <a@x.example>"
    })
    expect(Redacted.value(settings.email!.password!)).toBe("p@ss")
    expect(settingsOf({ PAYLINKS_SMTP_URL: "smtp://mail.example" }).email).toMatchObject({
      port: 587,
      security: "none",
      user: undefined,
      from: NotifierSettings.DEFAULT_FROM
    })
  })

  it("reads the SMTP host, port, user, password and security variables", () => {
    const settings = settingsOf({
      PAYLINKS_SMTP_HOST: "mail.example",
      PAYLINKS_SMTP_SECURE: "starttls",
      PAYLINKS_SMTP_USER: "u",
      PAYLINKS_SMTP_PASSWORD: "p"
    })
    expect(settings.email).toMatchObject({ host: "mail.example", port: 587, security: "starttls", user: "u" })
    expect(settingsOf({ PAYLINKS_SMTP_HOST: "h", PAYLINKS_SMTP_SECURE: "true" }).email?.port).toBe(465)
    expect(NotifierSettings.describe(settings)).toBe("email: smtp mail.example:587, sms: sandbox inbox")
  })

  it("names the variable at fault", () => {
    expect(errorOf({ PAYLINKS_SMTP_URL: "http://x" })).toBe("PAYLINKS_SMTP_URL must start with smtp:// or smtps://")
    expect(errorOf({ PAYLINKS_SMTP_HOST: "h", PAYLINKS_SMTP_PORT: "99999" })).toBe(
      'PAYLINKS_SMTP_PORT must be a port number between 1 and 65535, not "99999"'
    )
    expect(errorOf({ PAYLINKS_SMTP_HOST: "h", PAYLINKS_SMTP_SECURE: "maybe" })).toBe(
      'PAYLINKS_SMTP_SECURE must be true, false or starttls, not "maybe"'
    )
    expect(errorOf({ PAYLINKS_SMTP_HOST: "h", PAYLINKS_SMTP_URL: "smtp://h" })).toBe(
      "Set PAYLINKS_SMTP_URL or PAYLINKS_SMTP_HOST, not both"
    )
    expect(errorOf({ PAYLINKS_SMS_URL: "ftp://x" })).toBe('PAYLINKS_SMS_URL must be an http(s) URL, not "ftp://x"')
  })

  it.scoped("routes each channel: SMS to the configured provider, email (unconfigured) to the inbox", () =>
    Effect.gen(function* () {
      const provider = yield* httpServer((_request, response) => response.writeHead(200).end("{}"))
      const settings = settingsOf({ PAYLINKS_SMS_URL: provider.url, PAYLINKS_SMS_TOKEN: "t" })
      const link = issuedLink({ customer: { name: "G", email: "g@example.com", contact: "+919876543210" } })
      yield* Effect.gen(function* () {
        const notifier = yield* Notifier
        const inbox = yield* Inbox
        expect((yield* notifier.send(Templates.message(link, "sms", "Acme")!)).provider).toBe("sms-http")
        const emailed = yield* notifier.send(Templates.message(link, "email", "Acme")!)
        expect(emailed.provider).toBe("inbox")
        expect(provider.received).toHaveLength(1)
        const stored = yield* inbox.list(TENANT, {})
        expect(stored.map((message) => [message.id, message.channel, message.to])).toEqual([
          [emailed.messageId, "email", "g@example.com"]
        ])
      }).pipe(
        Effect.provide(
          NotifierSettings.layer(settings).pipe(
            Layer.provideMerge(InMemoryInbox.layer),
            Layer.provide(IdGenerator.layerSequential)
          )
        )
      )
    })
  )

  it("reading settings loads no provider library; a configured channel loads its adapter", () => {
    // The CLI reads the server's settings on every command: nodemailer and undici must not come with them.
    // A fresh process on the built package (turbo builds before testing) reports every module Node
    // loads (a loader hook writes each one to stderr as it happens), before and after the notifier is built.
    const hook =
      'import { writeSync } from "node:fs"\n' +
      'export async function load(url, context, next) { writeSync(2, "@@ loaded " + url + "\\n"); return next(url, context) }'
    const script = `
      import { register } from "node:module"
      register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)})
      const Effect = await import("effect/Effect")
      const Layer = await import("effect/Layer")
      const IdGenerator = await import("@paylinks/core/IdGenerator")
      const InMemoryInbox = await import("@paylinks/core/InMemoryInbox")
      const NotifierSettings = await import("@paylinks/notifications/NotifierSettings")
      const settings = NotifierSettings.fromEnv(process.env)
      console.error("@@ settings read")
      const inbox = InMemoryInbox.layer.pipe(Layer.provide(IdGenerator.layerCrypto))
      await Effect.runPromise(Effect.scoped(Layer.build(NotifierSettings.layer(settings.right).pipe(Layer.provide(inbox)))))
      console.error("@@ notifier built")`
    const run = (env: Record<string, string>) => {
      const child = ChildProcess.spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), ".."),
        env: { PATH: process.env.PATH ?? "", ...env }
      })
      const stderr = child.stderr.toString()
      expect(child.status, stderr.slice(-2000)).toBe(0)
      const [beforeSettings = "", rest = ""] = stderr.split("@@ settings read")
      const [beforeNotifier = "", after] = rest.split("@@ notifier built")
      expect(after, "the notifier was built").toBeDefined()
      // The probe sees modules at all: effect was loaded before the settings were read.
      expect(beforeSettings).toContain("/node_modules/effect/")
      const libraries = (log: string) =>
        ["nodemailer", "undici"].filter((name) => log.includes(`/node_modules/${name}/`))
      return { settings: libraries(beforeSettings), notifier: libraries(beforeNotifier) }
    }
    expect(run({})).toEqual({ settings: [], notifier: [] })
    expect(run({ PAYLINKS_SMTP_HOST: "127.0.0.1", PAYLINKS_SMTP_PORT: "2525" })).toEqual({
      settings: [],
      notifier: ["nodemailer"]
    })
    expect(run({ PAYLINKS_SMS_URL: "http://127.0.0.1:9/sms" })).toEqual({ settings: [], notifier: ["undici"] })
  })
})
