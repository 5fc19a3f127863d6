import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as StandaloneDispatcher from "../src/StandaloneDispatcher.js"

const errorOf = <A>(result: Either.Either<A, { readonly message: string }>) =>
  Either.match(result, { onLeft: (error) => error.message, onRight: () => "accepted" })

describe("StandaloneDispatcher configuration", () => {
  it("database, master key and public URL, with the dispatcher's and notifiers' settings", () => {
    const config = Either.getOrThrow(
      StandaloneDispatcher.fromEnv({
        PAYLINKS_DATABASE: "postgres://db/paylinks",
        PAYLINKS_MASTER_KEY: "a2V5",
        PAYLINKS_PUBLIC_URL: "https://pay.example/",
        PAYLINKS_SMS_URL: "https://sms.example/send"
      })
    )
    expect(Redacted.value(config.database)).toBe("postgres://db/paylinks")
    expect(Redacted.value(config.masterKey!)).toBe("a2V5")
    expect(config.publicUrl).toBe("https://pay.example")
    expect(config.notifier.sms?.url).toBe("https://sms.example/send")
    expect(config.notifier.email).toBeUndefined()
    expect(Redacted.value(Either.getOrThrow(StandaloneDispatcher.fromEnv({})).database)).toBe("sqlite:./paylinks.db")
    expect(errorOf(StandaloneDispatcher.fromEnv({ PAYLINKS_SMTP_SECURE: "x", PAYLINKS_SMTP_HOST: "h" }))).toBe(
      'PAYLINKS_SMTP_SECURE must be true, false or starttls, not "x"'
    )
  })
})
