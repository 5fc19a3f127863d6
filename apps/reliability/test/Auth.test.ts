/**
 * Authentication of the built server: the three refusals and their texts; one code path for an
 * unknown key id and a wrong secret (the same constant-time comparison with a kept digest — asserted
 * on the mechanism, and the measured timings reported, never gated on); failed authentications rate
 * limited per client address and per key id with 429 in Razorpay's envelope, without touching
 * clients with correct credentials; and a key revoked through the storage on the same database
 * refused by the very next request.
 */
import * as Path from "node:path"
import * as IdGenerator from "@paylinks/core/IdGenerator"
import * as MasterKey from "@paylinks/sql/MasterKey"
import * as SecretBox from "@paylinks/sql/SecretBox"
import * as SqliteStorage from "@paylinks/sql/SqliteStorage"
import * as SqlMerchants from "@paylinks/sql/SqlMerchants"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Either from "effect/Either"
import * as Admin from "../src/Admin.js"
import * as Fuzz from "../src/Fuzz.js"
import { type Answer, answer, basic, sendRaw } from "../src/Http.js"
import * as Processes from "../src/Processes.js"
import * as Shapes from "../src/Shapes.js"
import { randomSecret, tempDir } from "./support.js"

const envelopeNA = (description: string) => ({
  error: { code: "BAD_REQUEST_ERROR", description, source: "NA", step: "NA", reason: "NA", metadata: {} }
})

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const record = (samples: Record<string, Array<number>>, name: string, value: number) => {
  const list = samples[name] ?? []
  list.push(value)
  samples[name] = list
}
const percentile = (values: ReadonlyArray<number>, p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!

describe("authentication", () => {
  const dir = tempDir("auth")
  const file = Path.join(dir, "paylinks.db")
  const database = `sqlite:${file}`
  const seeded = { keyId: "rzp_test_AuthMerchant0001", secret: randomSecret() }
  const FAILURES = 5
  let server: Processes.Server
  let other: Admin.KeyPair
  let timed: Admin.KeyPair

  beforeAll(async () => {
    await Admin.seedKey(database, undefined, seeded.keyId, seeded.secret)
    other = (await Admin.createMerchant(database, undefined, "other", ["test"]))[0]!
    timed = (await Admin.createMerchant(database, undefined, "timed", ["test"]))[0]!
    server = await Processes.startServer({
      env: {
        PAYLINKS_DATABASE: database,
        PAYLINKS_KEY_ID: seeded.keyId,
        PAYLINKS_KEY_SECRET: seeded.secret,
        PAYLINKS_AUTH_FAILURE_LIMIT: `${FAILURES}/60`
      },
      cwd: dir
    })
  })
  afterAll(async () => {
    if (server !== undefined) expect(await server.kill("SIGTERM")).toEqual({ code: 0, signal: null })
  })

  /** A list request with `auth`, from the client address `from`. */
  const list = async (auth: string | undefined, from: string): Promise<Answer> => {
    const outcome = await sendRaw(
      server.port,
      Fuzz.rawRequest("GET", "/v1/invoices?count=1", auth === undefined ? [] : [["Authorization", auth]], undefined),
      10_000,
      from
    )
    if (outcome._tag === "NoAnswer") throw new Error(`no answer from ${from}: ${outcome.error}`)
    return outcome
  }

  const right = basic(seeded.keyId, seeded.secret)
  const wrongSecret = basic(seeded.keyId, `${seeded.secret}x`)

  it("refuses no, unknown and wrong credentials with Razorpay's texts", async () => {
    expect((await list(undefined, "127.0.1.1")).json).toEqual(envelopeNA("Authentication failed"))
    expect((await list(`Bearer ${seeded.secret}`, "127.0.1.2")).json).toEqual(envelopeNA("Authentication failed"))
    const unknown = await list(basic("rzp_test_NoSuchKey0000001", seeded.secret), "127.0.1.3")
    expect([unknown.status, unknown.json]).toEqual([401, envelopeNA("The api key provided is invalid")])
    const wrong = await list(wrongSecret, "127.0.1.4")
    expect([wrong.status, wrong.json]).toEqual([401, envelopeNA("The api secret provided is invalid")])
    expect((await list(right, "127.0.1.5")).status).toBe(200)
  })

  it("an unknown key id is refused after the same comparison as a wrong secret; a sealed secret is opened once", async () => {
    const file = Path.join(tempDir("auth-mechanism"), "paylinks.db")
    const opened = { count: 0 }
    const timings = await Effect.runPromise(
      Effect.gen(function* () {
        const inner = SecretBox.make(yield* Effect.orDie(MasterKey.loadOrCreateFile(SqliteStorage.keyFileOf(file))))
        const box: SecretBox.SecretBox = {
          seal: inner.seal,
          open: (sealed, context) => {
            opened.count++
            return inner.open(sealed, context)
          }
        }
        const merchants = yield* SqlMerchants.make(box)
        // The decoy that unknown and revoked keys are compared with is sealed and opened once, like a key's secret.
        expect(opened.count).toBe(1)
        const merchant = yield* merchants.create("timing")
        const issued = yield* Effect.orDie(merchants.issueKey(merchant.id, "test"))
        const revoked = yield* Effect.orDie(merchants.issueKey(merchant.id, "test"))
        yield* Effect.orDie(merchants.revokeKey(revoked.key.keyId))
        const cases = {
          "unknown key": ["rzp_test_NoSuchKey0000001", issued.secret],
          "revoked key": [revoked.key.keyId, revoked.secret],
          "wrong secret": [issued.key.keyId, `${issued.secret.slice(0, -1)}x`],
          right: [issued.key.keyId, issued.secret]
        } as const
        // Every case compares the presented secret's digest with a kept one: the key's, or the decoy's. A key's
        // sealed secret is opened at the key's first use only (here: by "wrong secret"), never again after.
        const rounds: ReadonlyArray<Record<string, number>> = [
          { "unknown key": 0, "revoked key": 0, "wrong secret": 1, right: 0 },
          { "unknown key": 0, "revoked key": 0, "wrong secret": 0, right: 0 }
        ]
        for (const round of rounds)
          for (const [name, [keyId, secret]] of Object.entries(cases)) {
            const before = opened.count
            const result = yield* Effect.either(merchants.authenticate(keyId, secret))
            expect([name, opened.count - before]).toEqual([name, round[name]])
            expect([name, Either.isRight(result)]).toEqual([name, name === "right"])
          }
        // A new secret under the same key id (the configuration's, seeded) is a new ciphertext: opened again, and
        // the old secret is refused from the very next check.
        yield* merchants.seedKey(issued.key.keyId, `${issued.secret}2`, "timing")
        const before = opened.count
        expect(Either.isLeft(yield* Effect.either(merchants.authenticate(issued.key.keyId, issued.secret)))).toBe(true)
        expect(opened.count - before).toBe(1)
        expect(
          Either.isRight(yield* Effect.either(merchants.authenticate(issued.key.keyId, `${issued.secret}2`)))
        ).toBe(true)
        yield* merchants.seedKey(issued.key.keyId, issued.secret, "timing")
        // In-process timings, interleaved case by case, for the report.
        const samples: Record<string, Array<number>> = {}
        for (let round = 0; round < 400; round++)
          for (const [name, [keyId, secret]] of Object.entries(cases)) {
            const started = performance.now()
            yield* Effect.either(merchants.authenticate(keyId, secret))
            record(samples, name, (performance.now() - started) * 1000)
          }
        return samples
      }).pipe(
        // `make`'s context names what the ports run on, which a second Merchants here is built over.
        Effect.provide(Layer.scopedContext(SqliteStorage.make({ filename: file }))),
        Effect.provide(IdGenerator.layerCrypto)
      )
    )
    console.log(
      `authenticate, in process (µs, median / p90 of 400): ${Object.entries(timings)
        .map(([name, values]) => `${name} ${median(values).toFixed(1)} / ${percentile(values, 0.9).toFixed(1)}`)
        .join("; ")}`
    )
  })

  it("reports the timings of unknown key, wrong secret and right over HTTP (measured, not gated)", async () => {
    // A key of its own: its failures here must not spend the budget of the keys the other tests use.
    const cases: Record<string, string> = {
      "unknown key": basic("rzp_test_NoSuchKey0000002", timed.secret),
      "wrong secret": basic(timed.keyId, `${timed.secret}x`),
      right: basic(timed.keyId, timed.secret)
    }
    const samples: Record<string, Array<number>> = {}
    // Every request from an address of its own, which has never failed: the limiter never steps in.
    for (let round = 0; round < 100; round++)
      for (const [i, [name, auth]] of Object.entries(cases).entries()) {
        const reply = await list(auth, `127.2.${round}.${i + 1}`)
        expect(reply.status).toBe(name === "right" ? 200 : 401)
        record(samples, name, reply.ms)
      }
    console.log(
      `authentication over HTTP (ms, median / p90 of 100, one connection each): ${Object.entries(samples)
        .map(([name, values]) => `${name} ${median(values).toFixed(2)} / ${percentile(values, 0.9).toFixed(2)}`)
        .join("; ")}`
    )
  })

  it("limits failed authentications per client address with 429, before looking at credentials", async () => {
    const attacker = "127.0.2.1"
    // Guessing key ids: a different one each time, so that only the address's budget runs out.
    const guess = (i: number) => basic(`rzp_test_Guess${String(i).padStart(10, "0")}`, "secret")
    for (let i = 0; i < FAILURES; i++) expect((await list(guess(i), attacker)).status).toBe(401)
    const limited = await list(guess(FAILURES), attacker)
    expect([limited.status, limited.json]).toEqual([429, envelopeNA("Too many requests")])
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1)
    // A right guess shows nothing either...
    expect((await list(right, attacker)).status).toBe(429)
    expect((await list(undefined, attacker)).status).toBe(429)
    // ...while other clients, with right or wrong credentials, are not affected.
    expect((await list(right, "127.0.2.2")).status).toBe(200)
    expect((await list(basic(other.keyId, other.secret), "127.0.2.3")).status).toBe(200)
    expect((await list(wrongSecret, "127.0.2.4")).status).toBe(401)
    // Pages without credentials are not limited for the attacker either.
    const health = await sendRaw(server.port, Fuzz.rawRequest("GET", "/healthz", [], undefined), 10_000, attacker)
    expect((health as Answer).status).toBe(200)
    expect(server.stdout()).toContain('"status":429')
  })

  it("a key id guessed at from many addresses refuses the guessers, not its owner", async () => {
    for (let i = 0; i < FAILURES; i++) expect((await list(wrongSecret, `127.0.3.${i + 1}`)).status).toBe(401)
    const guesser = "127.0.3.100"
    expect((await list(wrongSecret, guesser)).status).toBe(401)
    const limited = await list(right, guesser)
    expect([limited.status, Shapes.descriptionOf(limited)]).toEqual([429, "Too many requests"])
    // The guesser's own budget is not spent: another key works from there.
    expect((await list(basic(other.keyId, other.secret), guesser)).status).toBe(200)
    // The owner never failed, and keeps working.
    expect((await list(right, "127.0.3.200")).status).toBe(200)
  })

  it("never limits correct credentials", async () => {
    const replies = await Promise.all(
      Array.from({ length: 300 }, () => answer(server.url, "GET", "/v1/invoices", { auth: right }))
    )
    expect(replies.filter((reply) => reply.status !== 200)).toEqual([])
  })

  it("a key revoked through the storage on the same database is refused by the very next request", async () => {
    const merchantId = (await Admin.seedKey(database, undefined, seeded.keyId, seeded.secret)).merchantId
    const fresh = await Admin.issueKey(database, undefined, merchantId, "test")
    const auth = basic(fresh.keyId, fresh.secret)
    expect((await answer(server.url, "GET", "/v1/invoices", { auth })).status).toBe(200)
    await Admin.revokeKey(database, undefined, fresh.keyId)
    const refused = await answer(server.url, "GET", "/v1/invoices", { auth })
    expect([refused.status, refused.json]).toEqual([401, envelopeNA("The api key provided is invalid")])
    // The merchant's other key still works: revocation is per key. (From another address: this one just
    // failed, and the key id test above spent that key's budget, so the limiter would refuse it here.)
    expect((await list(right, "127.0.4.1")).status).toBe(200)
  })
})
