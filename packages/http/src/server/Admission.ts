/**
 * What is decided about a request on its head alone, before a byte of its body is read: which
 * endpoint it is for (an unknown route is answered at once) and whether the body it declares is over
 * the limit (413, and the connection is closed). Whatever else should be refused on the head belongs
 * here, so that the body of a refused request is never read.
 */
import type * as Http from "node:http"
import * as WireErrors from "@paylinks/contract/WireErrors"
import * as Body from "./Body.js"
import { errorReply, type Reply } from "./Render.js"
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

export const make = (router: Router, bodyLimit: number): Admission => {
  const unknownRoute: Verdict = { _tag: "Refuse", reply: errorReply(WireErrors.routeNotFound()), close: false }
  const tooLarge: Verdict = { _tag: "Refuse", reply: errorReply(WireErrors.bodyTooLarge()), close: true }
  return {
    decide: (head) => {
      const found = router.find(head.method, head.url)
      if (found === undefined) return unknownRoute
      if (found.endpoint.readsBody && Body.declaredTooLarge(head.headers, bodyLimit)) return tooLarge
      return { _tag: "Admit", found }
    }
  }
}
