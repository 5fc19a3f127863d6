/**
 * The master key that encrypts API key secrets at rest (docs/http-api.md#authentication): 32 bytes, given as base64
 * (`PAYLINKS_MASTER_KEY`), or — for the embedded SQLite default — generated on first start into a
 * file beside the database that only its owner can read.
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { MasterKeyError } from "./StorageError.js"

export const KEY_BYTES = 32

/** How a master key may be handed over: base64 text, plain or redacted. */
export type MasterKeyInput = string | Redacted.Redacted<string>

/** Decodes a base64 master key; anything but exactly 32 bytes is refused. */
export const parse = (input: MasterKeyInput, source: string): Effect.Effect<Uint8Array, MasterKeyError> =>
  Effect.suspend(() => {
    const text = (Redacted.isRedacted(input) ? Redacted.value(input) : input).trim()
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, "base64") : Buffer.alloc(0)
    return bytes.length === KEY_BYTES
      ? Effect.succeed(new Uint8Array(bytes))
      : Effect.fail(
          new MasterKeyError({
            message: `The master key from ${source} must be the base64 encoding of exactly ${KEY_BYTES} bytes (e.g. the output of \`openssl rand -base64 32\`).`
          })
        )
  })

/** A fresh random master key, base64. */
export const generate = (): string => Crypto.randomBytes(KEY_BYTES).toString("base64")

/**
 * Reads the key file at `path`, creating it (mode 0600) with a fresh key if it does not exist. The
 * file appears atomically, fully written: it is written under a temporary name and hard-linked into
 * place, so two processes starting on one database at once end up with the same key.
 */
export const loadOrCreateFile = (path: string): Effect.Effect<Uint8Array, MasterKeyError> =>
  Effect.suspend(() => {
    const fail = (what: string, cause: unknown) =>
      Effect.fail(
        new MasterKeyError({ message: `Cannot ${what} the master key file ${path}: ${(cause as Error).message}` })
      )
    if (!Fs.existsSync(path)) {
      const temporary = `${path}.${process.pid}.${Crypto.randomBytes(6).toString("hex")}.tmp`
      try {
        const fd = Fs.openSync(temporary, "wx", 0o600)
        try {
          Fs.writeSync(fd, `${generate()}\n`)
          Fs.fsyncSync(fd)
        } finally {
          Fs.closeSync(fd)
        }
        try {
          Fs.linkSync(temporary, path)
        } catch (cause) {
          // Another process created it first: its key wins, and is read below.
          if ((cause as NodeJS.ErrnoException).code !== "EEXIST") throw cause
        } finally {
          Fs.rmSync(temporary, { force: true })
        }
      } catch (cause) {
        return fail("create", cause)
      }
    }
    let text: string
    try {
      text = Fs.readFileSync(path, "utf8")
    } catch (cause) {
      return fail("read", cause)
    }
    return parse(text, `the file ${path}`)
  })
