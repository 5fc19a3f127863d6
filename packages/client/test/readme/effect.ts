import { PaylinksClient } from "@paylinks/client"
import * as Effect from "effect/Effect"

const program = Effect.gen(function* () {
  const paylinks = yield* PaylinksClient.PaylinksClient
  const link = yield* paylinks.invoices.create({ payload: { type: "link", amount: 50000, description: "Shoes" } })
  console.log(link.id, link.status, link.short_url)

  const cancelled = yield* paylinks.invoices.cancel({ path: { id: link.id } })
  console.log(cancelled.status)

  yield* paylinks.invoices.cancel({ path: { id: link.id } })
}).pipe(
  Effect.catchTag("BadRequestError", (error) => Effect.sync(() => console.log("refused:", error.error.description))),
  // PAYLINKS_SERVER, PAYLINKS_KEY_ID and PAYLINKS_KEY_SECRET; or PaylinksClient.layer({ baseUrl, keyId, keySecret })
  Effect.provide(PaylinksClient.layerConfig)
)

await Effect.runPromise(program)
