/**
 * Who is calling: `Authorization: Basic base64(key_id:key_secret)` checked by `Merchants`, with the
 * failed-authentication rate limit (`AuthRateLimit`) in front of it: a client that failed too often is
 * answered 429 before its credentials are looked at.
 */
import type { MerchantsShape, Principal } from "@paylinks/core/Merchants"
import * as Effect from "effect/Effect"
import * as AuthRateLimit from "../AuthRateLimit.js"
import type { ApiError } from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"
import { errorReply, type Reply } from "./Render.js"

export interface Credentials {
  readonly keyId: string
  readonly secret: string
}

/** `Authorization: Basic base64(key_id:key_secret)`, with the scheme word exactly `Basic`. */
export const parseBasic = (header: string | undefined): Credentials | undefined => {
  if (header === undefined || !header.startsWith("Basic ")) return undefined
  const encoded = header.slice(6).trim()
  if (encoded.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined
  const decoded = Buffer.from(encoded, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon <= 0) return undefined
  return { keyId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

export interface Authentication {
  /** The 429 for a client that failed to authenticate too often, or `undefined` when it may try. */
  readonly limited: (address: string, credentials: Credentials | undefined) => Reply | undefined
  /** The caller the credentials name; a refusal counts against the address and the key id. */
  readonly authenticate: (address: string, credentials: Credentials | undefined) => Effect.Effect<Principal, ApiError>
}

export const make = (
  merchants: MerchantsShape,
  settings: AuthRateLimit.Settings | "off" | undefined
): Authentication => {
  const limiter = settings === "off" ? undefined : AuthRateLimit.make(settings ?? AuthRateLimit.defaults)
  return {
    limited: (address, credentials) => {
      const wait = limiter?.blockedFor(address, credentials?.keyId)
      if (wait === undefined) return undefined
      return { ...errorReply(WireErrors.tooManyRequests()), headers: { "retry-after": String(wait) } }
    },
    authenticate: (address, credentials) => {
      if (credentials === undefined) {
        limiter?.failed(address, undefined)
        return Effect.fail(WireErrors.unauthorized())
      }
      return Effect.mapError(merchants.authenticate(credentials.keyId, credentials.secret), (error) => {
        limiter?.failed(address, credentials.keyId)
        return WireErrors.fromDomain(error)
      })
    }
  }
}
