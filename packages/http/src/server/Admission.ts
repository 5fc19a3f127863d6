/**
 * What is decided about a request on its head alone, before a byte of its body is read — the one
 * place for every head-only refusal, so that the body of a refused request is never read:
 *
 * - the `Host` (only the configured names are answered: `Hosts`; none at all is malformed HTTP),
 * - the endpoint (an unknown route is answered at once),
 * - cookies the route needs unambiguous (a second `paylinks_form` is a planted one),
 * - the body it declares (over the endpoint's limit: 413).
 *
 * Credentials are checked on the head too, but they need the storage: `Program` does that before it
 * reads the body. A refused request that declared a body is answered with `Connection: close`.
 */
import type * as Http from "node:http"
import { ServiceUnavailableError } from "@paylinks/contract/Wire"
import * as WireErrors from "@paylinks/contract/WireErrors"
import * as Body from "./Body.js"
import type * as Hosts from "./Hosts.js"
import { errorReply, JSON_TYPE, type Reply } from "./Render.js"
import type { Found, Router } from "./Router.js"

export type Verdict =
  | { readonly _tag: "Admit"; readonly found: Found }
  /** Answer `reply` without reading the body; `close` ends the connection after it. */
  | { readonly _tag: "Refuse"; readonly reply: Reply; readonly close: boolean }

export interface Head {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
}

export interface Admission {
  readonly decide: (head: Head) => Verdict
}

/** The texts of the head's refusals that the wire errors do not already have (docs/errors.md). */
export const texts = {
  unknownHost: "The requested host is not served here.",
  duplicateCookie: (name: string) => `The request carries the cookie ${name} more than once.`,
  busy: "The server is busy. Retry later.",
  timeout: "The request was not received in time.",
  headersTooLarge: "The request headers are too large."
} as const

/** An envelope with a status no wire error has (421, 408, 417), `BAD_REQUEST_ERROR` as Razorpay's 4xx. */
export const statusReply = (status: number, description: string): Reply => ({
  status,
  contentType: JSON_TYPE,
  body: JSON.stringify({ error: WireErrors.detail("BAD_REQUEST_ERROR", description, "NA") })
})

/** The 503 of a server at its connection cap. */
export const busyReply = (): Reply =>
  errorReply(new ServiceUnavailableError({ error: WireErrors.detail("SERVER_ERROR", texts.busy, "NA") }))

/** Whether the request says a body follows. */
export const declaresBody = (headers: Http.IncomingHttpHeaders): boolean =>
  headers["transfer-encoding"] !== undefined ||
  (headers["content-length"] !== undefined && headers["content-length"] !== "0")

/** The first of `names` that a `Cookie` header carries more than once. */
const repeatedCookie = (header: string | undefined, names: ReadonlyArray<string>): string | undefined => {
  if (header === undefined || names.length === 0) return undefined
  const seen = new Set<string>()
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=")
    const name = (at === -1 ? pair : pair.slice(0, at)).trim()
    if (!names.includes(name)) continue
    if (seen.has(name)) return name
    seen.add(name)
  }
  return undefined
}

export interface Settings {
  /** The server's body limit; an endpoint may have a smaller one. */
  readonly bodyLimit: number
  /** The hosts answered; `Hosts.any` in-process. */
  readonly hosts: Hosts.Hosts
}

export const make = (router: Router, settings: Settings): Admission => {
  const { bodyLimit, hosts } = settings
  const refuse = (reply: Reply, head: Head, close = false): Verdict => ({
    _tag: "Refuse",
    reply,
    close: close || declaresBody(head.headers)
  })
  const unknownRoute = errorReply(WireErrors.routeNotFound())
  const tooLarge = errorReply(WireErrors.bodyTooLarge())
  const noHost = errorReply(WireErrors.badRequest(WireErrors.texts.malformedRequest))
  const unknownHost = statusReply(421, texts.unknownHost)
  return {
    decide: (head) => {
      const host = head.headers.host
      if (host === undefined || host === "") {
        if (hosts.required) return refuse(noHost, head, true)
      } else if (!hosts.allows(host)) return refuse(unknownHost, head, true)
      const found = router.find(head.method, head.url)
      if (found === undefined) return refuse(unknownRoute, head)
      const { endpoint } = found
      if (endpoint.uniqueCookies.length > 0) {
        const repeated = repeatedCookie(head.headers.cookie, endpoint.uniqueCookies)
        if (repeated !== undefined) return refuse(statusReply(400, texts.duplicateCookie(repeated)), head, true)
      }
      if (endpoint.readsBody && Body.declaredTooLarge(head.headers, endpoint.bodyLimit ?? bodyLimit))
        return refuse(tooLarge, head, true)
      return { _tag: "Admit", found }
    }
  }
}
