import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as ServerConfig from "../src/ServerConfig.js"

const load = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => ServerConfig.load(argv, env)

const ok = (argv: ReadonlyArray<string>, env: Record<string, string> = {}): ServerConfig.ServerConfig => {
  const loaded = load(argv, env)
  if (Either.isLeft(loaded)) throw new Error(loaded.left.message)
  if (loaded.right === "help") throw new Error("help")
  return loaded.right
}

const error = (argv: ReadonlyArray<string>, env: Record<string, string> = {}): string => {
  const loaded = load(argv, env)
  if (Either.isRight(loaded)) throw new Error("expected a configuration error")
  return loaded.left.message
}

describe("ServerConfig", () => {
  it("defaults: SQLite in the working directory, 127.0.0.1:4010, nothing seeded", () => {
    const config = ok([])
    expect(Redacted.value(config.database)).toBe("sqlite:./paylinks.db")
    expect(config.host).toBe("127.0.0.1")
    expect(config.port).toBe(4010)
    expect(config.publicUrl).toBeUndefined()
    expect(config.seedKey).toBeUndefined()
    expect(config.masterKey).toBeUndefined()
  })

  it("reads every PAYLINKS_* variable, and flags win over them", () => {
    const env = {
      PAYLINKS_DATABASE: "postgres://u:p@db:5432/paylinks",
      PAYLINKS_HOST: "0.0.0.0",
      PAYLINKS_PORT: "8080",
      PAYLINKS_PUBLIC_URL: "https://pay.example.com/",
      PAYLINKS_KEY_ID: "rzp_test_1DP5mmOlF5G5ag",
      PAYLINKS_KEY_SECRET: "thisissecret",
      PAYLINKS_MASTER_KEY: "a2V5"
    }
    const config = ok([], env)
    expect(Redacted.value(config.database)).toBe("postgres://u:p@db:5432/paylinks")
    expect(config).toMatchObject({ host: "0.0.0.0", port: 8080, publicUrl: "https://pay.example.com" })
    expect(config.seedKey?.keyId).toBe("rzp_test_1DP5mmOlF5G5ag")
    expect(Redacted.value(config.seedKey!.secret)).toBe("thisissecret")
    expect(Redacted.value(config.masterKey!)).toBe("a2V5")
    // Secrets never print.
    expect(String(config.seedKey!.secret)).not.toContain("thisissecret")
    expect(JSON.stringify(config)).not.toContain("thisissecret")
    const flagged = ok(["--port", "9090", "--host=::1", "--database", "sqlite:/tmp/x.db"], env)
    expect(flagged).toMatchObject({ host: "::1", port: 9090 })
    expect(Redacted.value(flagged.database)).toBe("sqlite:/tmp/x.db")
  })

  it("refuses bad values with a message that says what is expected", () => {
    expect(error(["--port", "http"])).toContain("port number between 0 and 65535")
    expect(error([], { PAYLINKS_PORT: "70000" })).toContain("port number")
    expect(error(["--public-url", "pay.example.com"])).toContain("http(s) URL")
    expect(error([], { PAYLINKS_KEY_ID: "key_123", PAYLINKS_KEY_SECRET: "s" })).toContain("rzp_test_")
    expect(error([], { PAYLINKS_KEY_ID: "rzp_live_abc" })).toContain("both or neither")
    expect(error([], { PAYLINKS_KEY_SECRET: "s" })).toContain("both or neither")
    expect(error(["--colour", "red"])).toContain("Unknown argument --colour")
    expect(error(["--port"])).toContain("--port needs a value")
  })

  it("runs the dispatcher by default with its defaults and the sandbox inbox; --dispatcher/PAYLINKS_DISPATCHER turn it off", () => {
    const config = ok([])
    expect(config.runDispatcher).toBe(true)
    expect(config.dispatcher).toMatchObject({ pollIntervalMs: 1000, timeoutMs: 5000, retryWindowSeconds: 86_400 })
    expect(config.dispatcher.allowPrivateAddresses).toBe(false)
    expect(config.notifier).toEqual({ email: undefined, sms: undefined })
    expect(ok(["--dispatcher", "off"]).runDispatcher).toBe(false)
    expect(ok([], { PAYLINKS_DISPATCHER: "OFF" }).runDispatcher).toBe(false)
    expect(ok([], { PAYLINKS_DISPATCHER: "false" }).runDispatcher).toBe(false)
    expect(ok(["--dispatcher=on"], { PAYLINKS_DISPATCHER: "off" }).runDispatcher).toBe(true)
    expect(error([], { PAYLINKS_DISPATCHER: "sometimes" })).toBe(
      'PAYLINKS_DISPATCHER must be on or off, not "sometimes"'
    )
    expect(error(["--dispatcher", "constructor"])).toContain("must be on or off")
  })

  it("reads the webhook and notifier variables, keeping their secrets redacted", () => {
    const config = ok([], {
      PAYLINKS_WEBHOOK_POLL_INTERVAL_MS: "250",
      PAYLINKS_WEBHOOK_RETRY_WINDOW_SECONDS: "3600",
      PAYLINKS_WEBHOOK_ALLOW_PRIVATE: "true",
      PAYLINKS_DISPATCHER_WORKER_ID: "api-1",
      PAYLINKS_SMTP_URL: "smtp://mailer:smtp-password-123@mail.example:2525",
      PAYLINKS_SMTP_FROM: "Acme <pay@acme.example>",
      PAYLINKS_SMS_URL: "https://sms.example/send",
      PAYLINKS_SMS_TOKEN: "sms-token-456"
    })
    expect(config.dispatcher).toMatchObject({
      pollIntervalMs: 250,
      retryWindowSeconds: 3600,
      allowPrivateAddresses: true,
      workerId: "api-1"
    })
    expect(config.notifier.email).toMatchObject({ host: "mail.example", port: 2525, user: "mailer" })
    expect(config.notifier.sms).toMatchObject({ url: "https://sms.example/send" })
    expect(JSON.stringify(config)).not.toContain("smtp-password-123")
    expect(JSON.stringify(config)).not.toContain("sms-token-456")
  })

  it("refuses a bad webhook or notifier setting, naming the variable", () => {
    expect(error([], { PAYLINKS_WEBHOOK_TIMEOUT_MS: "soon" })).toContain("PAYLINKS_WEBHOOK_TIMEOUT_MS must be")
    expect(error([], { PAYLINKS_WEBHOOK_ALLOW_PRIVATE: "maybe" })).toContain("PAYLINKS_WEBHOOK_ALLOW_PRIVATE")
    expect(error([], { PAYLINKS_SMTP_URL: "http://mail.example" })).toContain("PAYLINKS_SMTP_URL")
    expect(error([], { PAYLINKS_SMTP_HOST: "mail.example", PAYLINKS_SMTP_PORT: "0" })).toContain("PAYLINKS_SMTP_PORT")
    expect(error([], { PAYLINKS_SMS_URL: "sms.example" })).toContain("PAYLINKS_SMS_URL")
  })

  it("answers --help with the usage, which names every variable", () => {
    expect(Either.getOrThrow(load(["--help"]))).toBe("help")
    const usage = ServerConfig.usage()
    for (const name of [
      "PAYLINKS_DATABASE",
      "PAYLINKS_HOST",
      "PAYLINKS_PORT",
      "PAYLINKS_PUBLIC_URL",
      "PAYLINKS_DISPATCHER",
      "PAYLINKS_WEBHOOK_TIMEOUT_MS",
      "PAYLINKS_SMTP_URL",
      "PAYLINKS_SMS_URL"
    ]) {
      expect(usage).toContain(name)
    }
    expect(usage).toContain("4010")
  })

  it("the local URL of a listening address", () => {
    expect(ServerConfig.localUrl("127.0.0.1", 4010)).toBe("http://127.0.0.1:4010")
    expect(ServerConfig.localUrl("0.0.0.0", 80)).toBe("http://127.0.0.1:80")
    expect(ServerConfig.localUrl("::1", 4010)).toBe("http://[::1]:4010")
  })
})
