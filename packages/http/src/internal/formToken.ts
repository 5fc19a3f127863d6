/**
 * The hosted page's form token: CSRF protection and the idempotency key of a payment form.
 *
 * A signed double-submit token. The browser holds a random value in an HttpOnly, SameSite=Lax
 * cookie; every rendered form carries `<issued at>.<nonce>.<mac>` in a hidden field, where the mac
 * is an HMAC over the link id, the cookie value, the time and the nonce. A post is accepted only
 * with a cookie whose value the mac was made for: another site can neither read the cookie nor
 * make the browser send it with a cross-site POST, and a token fetched by an attacker for their own
 * cookie is worthless in the victim's browser. The key is the secret of the API key that created
 * the link, so every server process sharing the database accepts the tokens of the others.
 *
 * The nonce makes each rendered form distinct: submitting one form twice is one payment (the nonce
 * is its idempotency key), while a reload gives a new form for a new payment.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

export const COOKIE_NAME = "paylinks_form"

/**
 * How long a rendered form can be submitted. Shorter than the idempotency store's 24 hours, so a
 * form's nonce is still remembered whenever the form can still be submitted.
 */
export const LIFETIME_SECONDS = 12 * 60 * 60

const COOKIE_VALUE = /^[A-Za-z0-9_-]{22,64}$/
const TOKEN = /^([0-9]{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/

/** A fresh random cookie value for a browser that has none. */
export const newBrowserKey = (): string => randomBytes(24).toString("base64url")

/**
 * The form cookie's value from a `Cookie` header, if it is there once and well formed. Two of them
 * (one planted by a sibling site for its own domain) are ambiguous: neither is taken, so no form
 * posted with them verifies (the server refuses such a post on its head already).
 */
export const browserKeyOf = (cookieHeader: string | undefined): string | undefined => {
  if (cookieHeader === undefined) return undefined
  let found: string | undefined
  for (const pair of cookieHeader.split(";")) {
    const at = pair.indexOf("=")
    if (at === -1 || pair.slice(0, at).trim() !== COOKIE_NAME) continue
    if (found !== undefined) return undefined
    found = pair.slice(at + 1).trim()
  }
  return found !== undefined && COOKIE_VALUE.test(found) ? found : undefined
}

/** The `Set-Cookie` value that gives a browser its key; `secure` when the page is served over https. */
export const cookieHeader = (browserKey: string, secure: boolean): string =>
  `${COOKIE_NAME}=${browserKey}; Path=/i/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`

const mac = (key: string | Uint8Array, linkId: string, browserKey: string, issuedAt: number, nonce: string) =>
  createHmac("sha256", key)
    .update(`paylinks hosted page form v1\n${linkId}\n${browserKey}\n${issuedAt}\n${nonce}`)
    .digest("base64url")

/** A new form token for `linkId`, bound to the browser's key. */
export const issue = (key: string | Uint8Array, linkId: string, browserKey: string, now: number): string => {
  const nonce = randomBytes(16).toString("base64url")
  return `${now}.${nonce}.${mac(key, linkId, browserKey, now, nonce)}`
}

export type Verdict =
  | { readonly _tag: "Valid"; readonly nonce: string }
  | { readonly _tag: "Invalid"; readonly reason: "missing" | "malformed" | "forged" | "expired" }

/** Checks a posted token against the browser's key; `Valid` carries the form's nonce. */
export const verify = (
  key: string | Uint8Array,
  linkId: string,
  browserKey: string | undefined,
  token: unknown,
  now: number
): Verdict => {
  if (browserKey === undefined || typeof token !== "string" || token.length === 0)
    return { _tag: "Invalid", reason: "missing" }
  const match = TOKEN.exec(token)
  if (match === null) return { _tag: "Invalid", reason: "malformed" }
  const [, at, nonce, given] = match as unknown as [string, string, string, string]
  const issuedAt = Number(at)
  const expected = Buffer.from(mac(key, linkId, browserKey, issuedAt, nonce))
  if (!timingSafeEqual(expected, Buffer.from(given))) return { _tag: "Invalid", reason: "forged" }
  // A token from the future is as suspect as an old one; a minute of skew between processes is allowed.
  if (now - issuedAt > LIFETIME_SECONDS || issuedAt - now > 60) return { _tag: "Invalid", reason: "expired" }
  return { _tag: "Valid", nonce }
}
