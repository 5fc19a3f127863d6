/**
 * Links made by the real core validation and transitions, and small loopback servers.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { CustomerId, MerchantId, OrderId, PaymentId, PaymentLinkId, ShortCode } from "@paylinks/core/Ids"
import type { PaymentLink } from "@paylinks/core/PaymentLink"
import * as Tenant from "@paylinks/core/Tenant"
import * as Transitions from "@paylinks/core/Transitions"
import * as Validation from "@paylinks/core/Validation"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

export const T0 = 1_700_000_000
export const TENANT = Tenant.make(MerchantId.make("acc_0000000000000A"), "test")

const accept = <A, E extends { readonly message: string }>(result: Either.Either<A, E>): A =>
  Either.getOrElse(result, (error) => {
    throw new Error(`expected acceptance, got: ${error.message}`)
  })

/** An issued link from a create body (`type` and INR 100.00 filled in). */
export const issuedLink = (body: Record<string, unknown> = {}): PaymentLink => {
  const command = accept(Validation.validateCreate({ type: "link", amount: 10000, ...body }, T0))
  return Transitions.issue(
    command,
    {
      tenant: TENANT,
      id: PaymentLinkId.make("inv_00000000000001"),
      orderId: OrderId.make("order_00000000000001"),
      shortCode: ShortCode.make("Ab3dE6gH"),
      shortUrl: "https://pay.example/i/Ab3dE6gH",
      customer:
        command.customer === null
          ? null
          : Transitions.newCustomer(CustomerId.make("cust_00000000000001"), command.customer),
      keyId: null,
      idempotencyKey: null
    },
    T0
  ).link
}

/** The link after a payment of `amount`. */
export const paidPart = (link: PaymentLink, amount: number): PaymentLink =>
  accept(
    Transitions.pay(link, accept(Validation.validatePayment({ amount })), PaymentId.make("pay_00000000000001"), T0 + 60)
  ).link

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** A loopback HTTP server for the scope; `answer` decides each response. */
export const httpServer = (answer: (request: Received, response: Http.ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly received: Array<Received>; readonly server: Http.Server }>(
      (resume) => {
        const received: Array<Received> = []
        const server = Http.createServer((req, res) => {
          const chunks: Array<Buffer> = []
          req.on("data", (chunk: Buffer) => chunks.push(chunk))
          req.on("end", () => {
            const request = {
              method: req.method ?? "",
              url: req.url ?? "",
              headers: req.headers,
              body: Buffer.concat(chunks).toString("utf8")
            }
            received.push(request)
            answer(request, res)
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, received, server }))
        })
      }
    ),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )
