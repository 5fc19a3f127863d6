/**
 * The hosted payment page at a link's `short_url` (docs/hosted-page.md): `GET /i/:code` renders the link,
 * `POST /i/:code` pays it. Server-rendered, no script, usable without JavaScript.
 *
 * A test-mode payment is a sandbox capture through `PaymentLinks.pay` — the same use-case as the
 * API's sandbox endpoint. A live-mode payment goes to the `PaymentGateway`; without one configured
 * the page says so and shows no form. Every form post is checked against a signed form token (CSRF,
 * see `internal/formToken.ts`) whose nonce is the payment's idempotency key (core's one protocol,
 * `@paylinks/core/Idempotency`), so submitting a form twice pays once and answers alike. Refusals are
 * rendered as pages, never as JSON.
 */
import { createHmac, randomBytes } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"
import { callbackQuery } from "@paylinks/contract/Callback"
import * as HostedPageWire from "@paylinks/contract/HostedPageWire"
import { requestHash } from "@paylinks/contract/Idempotency"
import * as Contracts from "@paylinks/core/Contracts"
import type { CommandError } from "@paylinks/core/DomainError"
import * as Idempotency from "@paylinks/core/Idempotency"
import { IdempotencyStore, type StoredResponse } from "@paylinks/core/IdempotencyStore"
import { PaymentId, ShortCode } from "@paylinks/core/Ids"
import { Merchants } from "@paylinks/core/Merchants"
import {
  NOT_CONFIGURED,
  PaymentGateway,
  type PaymentGatewayShape,
  none as noGateway
} from "@paylinks/core/PaymentGateway"
import type { Payment, PaymentLink } from "@paylinks/core/PaymentLink"
import { PaymentLinks } from "@paylinks/core/PaymentLinks"
import * as Tenant from "@paylinks/core/Tenant"
import * as Transitions from "@paylinks/core/Transitions"
import * as Validation from "@paylinks/core/Validation"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Format from "./internal/format.js"
import * as FormToken from "./internal/formToken.js"
import * as View from "./internal/pageView.js"
import { type RawResponse, type Request, type Route, rawResponse } from "./NodeServer.js"
import * as SandboxPayment from "./SandboxPayment.js"

/** What the page needs from the composition root. A `PaymentGateway` is optional: without one, live links cannot be paid. */
export type Requirements = PaymentLinks | Merchants | IdempotencyStore

/** How long a second submit of a form waits for the first one's answer before saying it is still in progress. */
const IN_PROGRESS_WAIT_MILLIS = 10_000
/** How often a waiting submit looks for the first one's answer. */
const IN_PROGRESS_POLL_MILLIS = 100

/**
 * The HMAC key of form tokens for a link whose creating key is gone. Per process: such a link's
 * forms work on the process that rendered them only.
 */
const fallbackKey = randomBytes(32)

const isShortCode = Schema.is(ShortCode)

const realNow = Effect.map(Clock.currentTimeMillis, (millis) => Math.floor(millis / 1000))

/** The sources a page's form may be sent to (and redirected from): this server, plus the callback's or gateway's. */
const formTargets = (link: PaymentLink | undefined, gateway: PaymentGatewayShape): ReadonlyArray<string> => {
  const targets = new Set<string>()
  const add = (url: string | null | undefined) => {
    if (url === null || url === undefined) return
    try {
      const parsed = new URL(url)
      const origin = parsed.origin
      // Only plain http(s) origins can stand in a CSP header; anything else is left out (and blocked).
      if (/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(origin)) targets.add(origin)
      // CSP's host grammar has no IPv6 literal (browsers drop `http://[::1]:4000` as an invalid source), so such
      // an origin is written as the narrowest source that matches it: its scheme and port, any host.
      else if (/^https?:\/\/\[[0-9a-f:.]+\](:[0-9]{1,5})?$/.test(origin))
        targets.add(`${parsed.protocol}//*${parsed.port === "" ? "" : `:${parsed.port}`}`)
    } catch {
      // An unparseable URL adds nothing.
    }
  }
  if (link !== undefined) add(link.callbackUrl)
  if (gateway.configured) for (const origin of gateway.checkoutOrigins) add(origin)
  return [...targets]
}

const securityHeaders = (formTargetsAllowed: ReadonlyArray<string>): Record<string, string> => ({
  "content-security-policy": [
    "default-src 'none'",
    `style-src ${View.STYLE_HASH}`,
    `form-action ${["'self'", ...formTargetsAllowed].join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'"
  ].join("; "),
  "x-content-type-options": "nosniff",
  // `same-origin`, not `no-referrer`: browsers send `Origin: null` on form posts under `no-referrer`.
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  "cache-control": "no-store"
})

interface PageOptions {
  readonly link?: PaymentLink | undefined
  readonly gateway?: PaymentGatewayShape | undefined
  readonly cookie?: string | undefined
}

const htmlResponse = (status: number, body: string, options: PageOptions = {}): RawResponse =>
  rawResponse(
    status,
    {
      ...securityHeaders(formTargets(options.link, options.gateway ?? noGateway)),
      "content-type": "text/html; charset=utf-8",
      ...(options.cookie === undefined ? {} : { "set-cookie": options.cookie })
    },
    body
  )

const redirect = (location: string): RawResponse =>
  rawResponse(303, { ...securityHeaders([]), location, "content-type": "text/plain; charset=utf-8" }, "")

const notFound = (): RawResponse =>
  htmlResponse(
    404,
    View.messagePage(
      "Payment link not found",
      "There is no payment link at this address. Check the link you were sent; it may have been mistyped."
    )
  )

/**
 * The query a `callback_url` receives after a payment (docs/hosted-page.md#verifying-the-callback), as the
 * link's contract names and signs it (`Callback.callbackQuery`): lowercase hex HMAC-SHA256, keyed with the
 * secret of the API key that created the link.
 */
export const callbackLocation = (link: PaymentLink, payment: Payment, secret: string): string => {
  const query = callbackQuery(link, payment)
  const url = new URL(link.callbackUrl ?? "")
  for (const [name, value] of query.parameters) url.searchParams.set(name, value)
  url.searchParams.set("razorpay_signature", createHmac("sha256", secret).update(query.signed).digest("hex"))
  return url.toString()
}

/** Everything a page of a link shows besides the link. */
interface Context {
  readonly link: PaymentLink
  readonly merchantName: string
  readonly gateway: PaymentGatewayShape
  readonly payability: View.Payability
  /** The HMAC key of this link's form tokens. */
  readonly key: string | Uint8Array
  /** The secret that signs the callback, when the creating key still has one. */
  readonly secret: Option.Option<string>
}

const contextOf = (link: PaymentLink) =>
  Effect.gen(function* () {
    const merchants = yield* Merchants
    const merchant = yield* merchants.find(link.merchantId)
    const gateway = Option.getOrElse(yield* Effect.serviceOption(PaymentGateway), () => noGateway)
    const secret = link.keyId === null ? Option.none() : yield* merchants.secretOf(link.keyId)
    const context: Context = {
      link,
      merchantName: Option.match(merchant, { onNone: () => "Merchant", onSome: (m) => m.name }),
      gateway,
      payability: link.mode === "test" ? "sandbox" : gateway.configured ? "gateway" : "no-gateway",
      key: Option.getOrElse(secret, () => fallbackKey),
      secret
    }
    return context
  })

/** Whether the page was reached over https (directly or behind a proxy that says so). */
const isSecure = (headers: IncomingHttpHeaders, link: PaymentLink): boolean =>
  headers["x-forwarded-proto"] === "https" || link.shortUrl.startsWith("https:")

/**
 * Renders a link's page; while the link is open, with a fresh form token bound to the browser's key
 * (and the cookie that gives the browser one, when it had none).
 */
const renderLink = (
  context: Context,
  request: Request<any>,
  status: number,
  extra: { readonly alert?: View.Alert | undefined; readonly values?: View.FormValues | undefined } = {}
) =>
  Effect.gen(function* () {
    const { link } = context
    const payable = Transitions.isOpen(link.status) && context.payability !== "no-gateway"
    let browserKey = FormToken.browserKeyOf(headerText(request.headers.cookie))
    let cookie: string | undefined
    if (payable && browserKey === undefined) {
      browserKey = FormToken.newBrowserKey()
      cookie = FormToken.cookieHeader(browserKey, isSecure(request.headers, link))
    }
    const token =
      payable && browserKey !== undefined
        ? FormToken.issue(context.key, link.id, browserKey, yield* realNow)
        : undefined
    const body = View.linkPage({
      link,
      merchantName: context.merchantName,
      payability: context.payability,
      token,
      alert: extra.alert,
      values: extra.values
    })
    return htmlResponse(status, body, { link, gateway: context.gateway, cookie })
  })

const headerText = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" ? value : undefined

/** The link behind the path's code, as of its tenant's now; `undefined` for an unknown or malformed code. */
const findLink = (code: string | undefined) =>
  Effect.gen(function* () {
    if (code === undefined || !isShortCode(code)) return undefined
    const links = yield* PaymentLinks
    const found = yield* Effect.either(links.getByShortCode(code))
    return Either.isRight(found) ? found.right : undefined
  })

const show = (request: Request<Readonly<Record<string, string>>>) =>
  Effect.gen(function* () {
    const link = yield* findLink(request.path.code)
    if (link === undefined) return notFound()
    return yield* renderLink(yield* contextOf(link), request, 200)
  })

/** Whether a post comes from a page of this server: a present `Origin` must be the link's or the request's own. */
const sameOrigin = (headers: IncomingHttpHeaders, link: PaymentLink): boolean => {
  const origin = headerText(headers.origin)
  if (origin === undefined) return true
  const own = new Set([new URL(link.shortUrl).origin])
  const host = headerText(headers.host)
  if (host !== undefined) {
    own.add(`http://${host}`)
    own.add(`https://${host}`)
  }
  return own.has(origin)
}

const text = (value: unknown): string => (typeof value === "string" ? value : "")

/** The posted form, normalised: what the customer chose, as they typed it. */
const formValues = (body: Readonly<Record<string, unknown>>): View.FormValues => ({
  choice: text(body.choice) === "part" ? "part" : "full",
  amount: text(body.amount).trim(),
  method: text(body.method) || "card"
})

const refused = (title: string, description: string): View.Alert => ({ kind: "error", title, text: description })

/** The payment command of a posted form, or the refusal to show. */
const paymentInput = (
  link: PaymentLink,
  values: View.FormValues,
  body: Readonly<Record<string, unknown>>
): Either.Either<Record<string, unknown>, View.Alert> => {
  if (values.choice === "part" && link.partialPayment) {
    if (values.amount === "")
      return Either.left(refused("Enter an amount", "Enter the amount you want to pay now, or choose Pay in full."))
    const amount = Format.parseMajor(values.amount, link.currency)
    if (amount === undefined)
      return Either.left(refused("Check the amount", `${values.amount} is not an amount in ${link.currency}.`))
    return Either.right({ amount, method: values.method })
  }
  // An amount posted with "Pay in full" (Enter in the field of an older page, or a crafted post) is refused, not
  // ignored: the customer typed one amount and pressed another's button, and nothing is charged on a guess.
  if (values.amount !== "")
    return Either.left(
      link.partialPayment
        ? refused(
            "Choose how much to pay",
            `You entered ${values.amount} but chose to pay in full, so nothing was paid. Press "Pay this amount" to pay what you entered, or clear the amount to pay in full.`
          )
        : refused("Check the amount", "This link can only be paid in full, so nothing was paid. Submit the form again.")
    )
  // "Pay in full" pays what was due when the page was rendered: if that changed meanwhile, the
  // domain refuses it rather than charging an amount the customer never saw.
  const due = Number(text(body.due))
  return Either.right({ amount: Number.isSafeInteger(due) && due > 0 ? due : link.amountDue, method: values.method })
}

/** A refusal from core, as the link's page with the refusal on top. */
const refusalPage = (context: Context, request: Request<any>, error: CommandError, values: View.FormValues) =>
  Effect.gen(function* () {
    // The refusal may be about a state the page did not show yet: show the link as it is now.
    const current = Option.getOrElse(Option.fromNullable(yield* findLink(request.path.code)), () => context.link)
    const alert = refused("Payment refused", HostedPageWire.refusalText(current, error))
    return yield* renderLink({ ...context, link: current }, request, 400, { alert, values })
  })

/** The page or redirect after a captured payment. */
const afterPayment = (context: Context, captured: SandboxPayment.Captured): StoredResponse => {
  const { link, payment } = captured
  if (link.callbackUrl !== null && Option.isSome(context.secret))
    return { status: 303, body: callbackLocation(link, payment, context.secret.value) }
  return { status: 200, body: View.successPage(link, payment, context.merchantName) }
}

const replay = (context: Context, response: StoredResponse): RawResponse =>
  response.status === 303
    ? redirect(response.body)
    : htmlResponse(response.status, response.body, { link: context.link, gateway: context.gateway })

type Outcome =
  | { readonly _tag: "Done"; readonly response: StoredResponse }
  | { readonly _tag: "Refused"; readonly page: RawResponse }

const PLACEHOLDER_PAYMENT_ID = PaymentId.make(`pay_${"0".repeat(14)}`)

/**
 * What the domain says to a payment of `input` now, without storing anything: the gateway only ever
 * sees a payment the domain would accept, and a closed link is refused with the domain's own text.
 */
const dryRun = (link: PaymentLink, input: Record<string, unknown>) =>
  Effect.gen(function* () {
    const links = yield* PaymentLinks
    const now = yield* links.now(Tenant.make(link.merchantId, link.mode))
    return Either.flatMap(Validation.validatePayment(input), (command) =>
      Either.map(Transitions.pay(link, command, PLACEHOLDER_PAYMENT_ID, now), () => command)
    )
  })

const unavailable = (link: PaymentLink, description: string): RawResponse =>
  htmlResponse(503, View.messagePage("Payments are not available", description, `/i/${link.shortCode}`), { link })

/** Pays (test mode: a sandbox capture) or starts a checkout (live mode) for a form that passed the CSRF check. */
const act = (
  context: Context,
  request: Request<any>,
  values: View.FormValues
): Effect.Effect<Outcome, never, Requirements> =>
  Effect.gen(function* () {
    const { link } = context
    const refuse = (page: RawResponse): Outcome => ({ _tag: "Refused", page })
    const input = paymentInput(link, values, request.body)
    if (Either.isLeft(input)) return refuse(yield* renderLink(context, request, 400, { alert: input.left, values }))
    if (context.payability === "sandbox") {
      const tenant = Tenant.make(link.merchantId, link.mode)
      const paid = yield* Effect.either(
        SandboxPayment.capture(tenant, link.id, input.right, Contracts.ofLinkId(link.id))
      )
      if (Either.isLeft(paid)) return refuse(yield* refusalPage(context, request, paid.left, values))
      return { _tag: "Done", response: afterPayment(context, paid.right) }
    }
    const checked = yield* dryRun(link, input.right)
    if (Either.isLeft(checked)) return refuse(yield* refusalPage(context, request, checked.left, values))
    const started = yield* Effect.either(
      context.gateway.checkout(link, {
        amount: checked.right.amount ?? link.amountDue,
        method: checked.right.method,
        returnUrl: link.shortUrl
      })
    )
    if (Either.isLeft(started)) return refuse(unavailable(link, started.left.message))
    return { _tag: "Done", response: { status: 303, body: started.right.redirectUrl } }
  })

/** The idempotency key of a form: its nonce, in a namespace of its own. */
const formKey = (nonce: string): string => `hosted-page:${nonce}`

/** The answer to a form already submitted with other details. */
const usedForm = (link: PaymentLink): RawResponse =>
  htmlResponse(
    409,
    View.messagePage(
      "This form was already used",
      "This form was already submitted with other details. Open the payment page again to make another payment.",
      `/i/${link.shortCode}`
    ),
    { link }
  )

/** The answer to a double submit whose first submit is still not answered after `IN_PROGRESS_WAIT_MILLIS`. */
const stillInProgress = (link: PaymentLink): RawResponse =>
  htmlResponse(
    409,
    View.messagePage(
      "Payment in progress",
      "This payment is still being processed. Open the payment page again in a moment to see its status.",
      `/i/${link.shortCode}`
    ),
    { link }
  )

/** The refusal of a post to a link nobody can pay any more, or `undefined` while the link is open. */
const closedRefusal = (context: Context, request: Request<any>, values: View.FormValues) =>
  Effect.gen(function* () {
    if (Transitions.isOpen(context.link.status)) return undefined
    // Nothing can happen to a closed link, whoever posts: the answer is the domain's refusal.
    const checked = yield* dryRun(context.link, {})
    return Either.isLeft(checked) ? yield* refusalPage(context, request, checked.left, values) : undefined
  })

/**
 * A form post. A genuine form is answered through core's idempotency protocol, keyed by its nonce, and
 * its record is consulted before the link's state: a form that paid the link (an answer lost, a double
 * click, eight submits at once) gets the stored success page or redirect again, never "Payment refused".
 * A second submit while the first is in flight waits for the first one's answer and gives the same.
 */
const pay = (request: Request<Readonly<Record<string, string>>>) =>
  Effect.gen(function* () {
    const link = yield* findLink(request.path.code)
    if (link === undefined) return notFound()
    const context = yield* contextOf(link)
    const values = formValues(request.body)
    const verdict = FormToken.verify(
      context.key,
      link.id,
      FormToken.browserKeyOf(headerText(request.headers.cookie)),
      request.body.token,
      yield* realNow
    )
    if (verdict._tag === "Invalid" || !sameOrigin(request.headers, link)) {
      const closed = yield* closedRefusal(context, request, values)
      if (closed !== undefined) return closed
      if (context.payability === "no-gateway") return unavailable(link, NOT_CONFIGURED)
      const alert = refused(
        "Please try again",
        "This form has expired or did not come from this page, so nothing was paid. Check the details and submit again."
      )
      return yield* renderLink(context, request, 403, { alert, values })
    }
    const store = yield* IdempotencyStore
    // A refused or failed attempt gives the form up, so the customer can correct it and resubmit.
    const attempt = Effect.gen(function* () {
      const closed = yield* closedRefusal(context, request, values)
      if (closed !== undefined) return { answer: closed, store: undefined }
      if (context.payability === "no-gateway") return { answer: unavailable(link, NOT_CONFIGURED), store: undefined }
      const outcome = yield* act(context, request, values)
      return outcome._tag === "Done"
        ? { answer: replay(context, outcome.response), store: outcome.response }
        : { answer: outcome.page, store: undefined }
    })
    return yield* Idempotency.once(store, {
      tenant: Tenant.make(link.merchantId, link.mode),
      key: formKey(verdict.nonce),
      requestHash: requestHash("POST", request.pathname, { ...values, due: text(request.body.due) }),
      now: realNow,
      run: attempt,
      replay: (response) => Effect.succeed(replay(context, response)),
      mismatch: Effect.sync(() => usedForm(link)),
      whileInFlight: {
        _tag: "Wait",
        pollMillis: IN_PROGRESS_POLL_MILLIS,
        waitMillis: IN_PROGRESS_WAIT_MILLIS,
        timedOut: Effect.sync(() => stillInProgress(link))
      }
    })
  })

/**
 * The largest form post: the form's few short fields take well under 1 KiB, so anything bigger is not
 * the page's form and is refused with 413 on its `Content-Length`, before it is read.
 */
export const FORM_BODY_LIMIT = 4 * 1024

/** The hosted page's routes, served next to the API. A post with two form cookies (one planted) is refused. */
export const routes: ReadonlyArray<Route<Requirements>> = [
  { method: "GET", path: "/i/:code", handle: show },
  {
    method: "POST",
    path: "/i/:code",
    bodyLimit: FORM_BODY_LIMIT,
    uniqueCookies: [FormToken.COOKIE_NAME],
    handle: pay
  }
]
