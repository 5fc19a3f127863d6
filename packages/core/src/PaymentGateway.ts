/**
 * The PaymentGateway port: where a live-mode customer pays (docs/hosted-page.md). Test mode needs none: its
 * payments are sandbox captures through `PaymentLinks.pay`. A gateway adapter sends the customer to
 * its own checkout and, once the gateway reports the capture, records it through `PaymentLinks.pay`
 * too, so every payment passes the same rules and emits the same events.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { Amount } from "./Money.js"
import type { PaymentLink } from "./PaymentLink.js"

/** What the customer should do next to pay. */
export interface Checkout {
  /** The gateway's page for this payment: the customer is redirected there. */
  readonly redirectUrl: string
}

/** A payment the hosted page asks the gateway to start; the amount has passed the domain's rules. */
export interface CheckoutRequest {
  readonly amount: Amount
  readonly method: string
  /** Where the gateway sends the customer back (the link's page). */
  readonly returnUrl: string
}

/** The gateway cannot take this payment (none configured, or it is down); nothing was charged. */
export class GatewayUnavailable extends Schema.TaggedError<GatewayUnavailable>()("GatewayUnavailable", {
  description: Schema.String
}) {
  override get message(): string {
    return this.description
  }
}

export const NOT_CONFIGURED = "No payment gateway is configured for live payments."

export interface PaymentGatewayShape {
  /** Whether live payments can be taken at all; the hosted page shows no live form without one. */
  readonly configured: boolean
  /**
   * The origins (`https://checkout.example`) the customer is redirected to: the hosted page's
   * Content-Security-Policy lets its form lead there and nowhere else.
   */
  readonly checkoutOrigins: ReadonlyArray<string>
  /** Starts a live payment of `request.amount` for `link`. */
  readonly checkout: (link: PaymentLink, request: CheckoutRequest) => Effect.Effect<Checkout, GatewayUnavailable>
}

export class PaymentGateway extends Context.Tag("@paylinks/core/PaymentGateway")<
  PaymentGateway,
  PaymentGatewayShape
>() {}

/** No gateway: live links can be shown but not paid. The default until an operator plugs one in. */
export const none: PaymentGatewayShape = {
  configured: false,
  checkoutOrigins: [],
  checkout: () => Effect.fail(new GatewayUnavailable({ description: NOT_CONFIGURED }))
}

export const layerNone: Layer.Layer<PaymentGateway> = Layer.succeed(PaymentGateway, none)
