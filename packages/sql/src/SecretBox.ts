/**
 * AES-256-GCM encryption of secrets at rest. Each sealed value carries its own random nonce and
 * authentication tag, and is bound to a context string (e.g. the key id) as additional data, so a
 * ciphertext copied onto another row does not decrypt.
 */
import * as Crypto from "node:crypto"

const VERSION = "v1"
const NONCE_BYTES = 12
const TAG_BYTES = 16

export interface SecretBox {
  /** `v1:` + base64(nonce ‖ tag ‖ ciphertext). */
  readonly seal: (plaintext: string, context: string) => string
  /** The plaintext of a sealed value; throws when the key, the context or the bytes are wrong. */
  readonly open: (sealed: string, context: string) => string
}

export const make = (key: Uint8Array): SecretBox => {
  const secretKey = Crypto.createSecretKey(key)
  return {
    seal: (plaintext, context) => {
      const nonce = Crypto.randomBytes(NONCE_BYTES)
      const cipher = Crypto.createCipheriv("aes-256-gcm", secretKey, nonce)
      cipher.setAAD(Buffer.from(context, "utf8"))
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
      return `${VERSION}:${Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]).toString("base64")}`
    },
    open: (sealed, context) => {
      if (!sealed.startsWith(`${VERSION}:`)) throw new Error("Unknown sealed secret format")
      const bytes = Buffer.from(sealed.slice(VERSION.length + 1), "base64")
      const decipher = Crypto.createDecipheriv("aes-256-gcm", secretKey, bytes.subarray(0, NONCE_BYTES))
      decipher.setAAD(Buffer.from(context, "utf8"))
      decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES))
      return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString(
        "utf8"
      )
    }
  }
}

/** SHA-256 of UTF-8 text; the one-shot `crypto.hash` (Node ≥ 20.12) costs about half a `createHash` object. */
export const digest: (text: string) => Buffer =
  typeof Crypto.hash === "function"
    ? (text) => Crypto.hash("sha256", text, "buffer")
    : (text) => Crypto.createHash("sha256").update(text, "utf8").digest()

/** Whether `secret` is the secret whose `digest` is `expected`, in constant time (equal-length digests). */
export const matchesDigest = (secret: string, expected: Buffer): boolean =>
  Crypto.timingSafeEqual(digest(secret), expected)
