/**
 * docs/http-api.md#payment-links: the official `razorpay` npm SDK's `paymentLink` resource works unchanged
 * against a paylinks server, on SQLite and on PostgreSQL; only its base URL is pointed at it.
 */
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import Razorpay from "razorpay"
import { freshPgSchemaUrl, pgUrl, serve, tempDir } from "./helpers.js"

const KEY_ID = "rzp_test_SdkPlinkMerchant01"
const KEY_SECRET = "sdk-plink-secret-value"

/** Every key of a v2 entity, in the order the wire writes them. */
const ENTITY_KEYS = [
  "accept_partial",
  "amount",
  "amount_paid",
  "callback_method",
  "callback_url",
  "cancelled_at",
  "created_at",
  "currency",
  "customer",
  "description",
  "expire_by",
  "expired_at",
  "first_min_partial_amount",
  "id",
  "notes",
  "notify",
  "order_id",
  "payments",
  "reference_id",
  "reminder_enable",
  "reminders",
  "short_url",
  "status",
  "updated_at",
  "upi_link",
  "user_id"
]

const sdk = (url: string): any => {
  const instance: any = new Razorpay({ key_id: KEY_ID, key_secret: KEY_SECRET })
  instance.api.rq.defaults.baseURL = url
  return instance
}

/** What the SDK rejects with: `{statusCode, error: {code, description, field?}}`. */
const rejection = (promise: Promise<unknown>): Promise<any> =>
  promise.then(
    () => {
      throw new Error("expected a rejection")
    },
    (error: unknown) => error
  )

const refused = async (promise: Promise<unknown>, description: string, field?: string) => {
  const error = await rejection(promise)
  expect(error.statusCode).toBe(400)
  expect(error.error.code).toBe("BAD_REQUEST_ERROR")
  expect(error.error.description).toBe(description)
  if (field !== undefined) expect(error.error.field).toBe(field)
}

const suite = (name: string, database: Effect.Effect<string, never, any>) =>
  describe(`the SDK's paymentLink resource on ${name}`, () => {
    it.scopedLive(
      "creates, fetches, lists, edits, notifies and cancels; refuses what Payment Links refuse",
      () =>
        Effect.gen(function* () {
          const served = yield* Effect.orDie(
            Effect.flatMap(database, (db) => serve(db, ["--key-id", KEY_ID, "--key-secret", KEY_SECRET]))
          )
          const rzp = sdk(served.url)
          yield* Effect.promise(async () => {
            const created = await rzp.paymentLink.create({
              amount: 50000,
              currency: "INR",
              accept_partial: true,
              first_min_partial_amount: 10000,
              description: "For the SDK",
              reference_id: "sdk-plink-1",
              customer: { name: "Gaurav Kumar", email: "gaurav.kumar@example.com", contact: "+919000090000" },
              notify: { sms: true, email: true },
              reminder_enable: true,
              notes: { policy_name: "Jeevan Bima" },
              callback_url: "https://example-callback-url.com/",
              callback_method: "get"
            })
            expect(Object.keys(created)).toEqual(ENTITY_KEYS)
            expect(created).toMatchObject({
              accept_partial: true,
              amount: 50000,
              amount_paid: 0,
              callback_method: "get",
              callback_url: "https://example-callback-url.com/",
              cancelled_at: 0,
              currency: "INR",
              customer: { name: "Gaurav Kumar", email: "gaurav.kumar@example.com", contact: "+919000090000" },
              description: "For the SDK",
              expired_at: 0,
              first_min_partial_amount: 10000,
              notes: { policy_name: "Jeevan Bima" },
              notify: { sms: true, email: true },
              payments: null,
              reference_id: "sdk-plink-1",
              reminder_enable: true,
              status: "created",
              upi_link: false,
              user_id: ""
            })
            expect(created.id).toMatch(/^plink_/)
            // Without expire_by a link expires six calendar months after creation, and says so.
            expect(created.expire_by - created.created_at).toBeGreaterThan(180 * 86_400)
            expect(created.updated_at).toBe(created.created_at)
            expect(await rzp.paymentLink.fetch(created.id)).toEqual(created)

            // The collection path with a trailing slash, as Razorpay's curl writes it.
            const slashed = await fetch(`${served.url}/v1/payment_links/`, {
              method: "POST",
              headers: {
                authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString("base64")}`,
                "content-type": "application/json"
              },
              body: JSON.stringify({ amount: 1000 })
            })
            expect(slashed.status).toBe(200)
            const plain: any = await slashed.json()
            expect(plain).toMatchObject({ amount: 1000, reference_id: "", status: "created", description: "" })
            const listed = await rzp.paymentLink.all()
            expect(Object.keys(listed)).toEqual(["payment_links"])
            // Newest first: created_at, then id, both descending (the two may share their second).
            expect(listed.payment_links.map((link: any) => link.id).sort()).toEqual([plain.id, created.id].sort())
            const [newest, older] = listed.payment_links
            expect(newest.created_at).toBeGreaterThanOrEqual(older.created_at)
            const listedSlashed = await fetch(`${served.url}/v1/payment_links/?count=1`, {
              headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString("base64")}` }
            })
            expect(listedSlashed.status).toBe(200)
            expect(await listedSlashed.json()).toEqual({ payment_links: [newest] })
            const byReference = await rzp.paymentLink.all({ reference_id: "sdk-plink-1" })
            expect(byReference.payment_links.map((link: any) => link.id)).toEqual([created.id])
            const page = await rzp.paymentLink.all({ count: 1, skip: 1 })
            expect(page.payment_links).toEqual([older])
            const standard = await rzp.paymentLink.all({ upi_link: 0 })
            expect(standard.payment_links).toHaveLength(2)

            const edited = await rzp.paymentLink.edit(created.id, {
              reference_id: "sdk-plink-1b",
              notes: { policy_name: "Jeevan Saral" },
              accept_partial: false
            })
            expect(edited).toMatchObject({
              id: created.id,
              reference_id: "sdk-plink-1b",
              notes: { policy_name: "Jeevan Saral" },
              accept_partial: false,
              status: "created"
            })
            expect(Object.keys(edited)).toEqual(ENTITY_KEYS)

            expect(await rzp.paymentLink.notifyBy(created.id, "sms")).toEqual({ success: true })
            await refused(rzp.paymentLink.notifyBy(created.id, "whatsapp"), "not a valid notification medium")

            // Legacy names are unknown fields here.
            const legacy = await rejection(rzp.paymentLink.create({ amount: 1000, receipt: "r-1" }))
            expect(legacy.statusCode).toBe(400)
            expect(legacy.error.description).toMatch(/receipt/)
            await refused(
              rzp.paymentLink.create({ amount: 1000, upi_link: true }),
              "UPI Payment Links is not supported in Test Mode. Please experience the product in Live Mode."
            )
            await refused(
              rzp.paymentLink.create({ amount: 1000, reference_id: "sdk-plink-1b" }),
              "payment link creation with reference ID already attempted",
              "reference_id"
            )
            await refused(
              rzp.paymentLink.create({ amount: 1000, expire_by: Math.floor(Date.now() / 1000) + 60 }),
              "timestamp must be atleast 15 minutes in future",
              "expire_by"
            )

            // Each contract sees only its own links.
            await refused(rzp.invoices.fetch(created.id), "The id provided does not exist")
            const invoice = await rzp.invoices.create({ type: "link", amount: 1000, description: "legacy" })
            await refused(rzp.paymentLink.fetch(invoice.id), "The id provided does not exist")

            const cancelled = await rzp.paymentLink.cancel(created.id)
            expect(cancelled).toMatchObject({ id: created.id, status: "cancelled" })
            expect(cancelled.cancelled_at).toBeGreaterThan(0)
            await refused(rzp.paymentLink.cancel(created.id), "cannot cancel or expire an expired link")
            await refused(
              rzp.paymentLink.edit(created.id, { notes: { a: "b" } }),
              "update can only be made in created or partially paid state"
            )
            const byStatus = await rzp.paymentLink.all({ status: "cancelled" })
            expect(byStatus.payment_links.map((link: any) => link.id)).toEqual([created.id])
          })
        }),
      60_000
    )

    it.scopedLive(
      "partial and full payments through the sandbox, the rules of each status, and the test clock's expiry",
      () =>
        Effect.gen(function* () {
          const served = yield* Effect.orDie(
            Effect.flatMap(database, (db) => serve(db, ["--key-id", KEY_ID, "--key-secret", KEY_SECRET]))
          )
          const rzp = sdk(served.url)
          const call = async (method: string, path: string, body?: unknown): Promise<any> => {
            const answer = await fetch(`${served.url}${path}`, {
              method,
              headers: {
                authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString("base64")}`,
                "content-type": "application/json"
              },
              ...(body === undefined ? {} : { body: JSON.stringify(body) })
            })
            return { status: answer.status, body: await answer.json() }
          }
          yield* Effect.promise(async () => {
            const link = await rzp.paymentLink.create({ amount: 30000, accept_partial: true, reference_id: "sdk-pay" })
            const part = await call("POST", `/v1/sandbox/payment_links/${link.id}/payments`, { amount: 10000 })
            expect(part.status).toBe(200)
            expect(Object.keys(part.body)).toEqual(["entity", "payment", "payment_link"])
            expect(part.body.payment).toMatchObject({ amount: 10000, invoice_id: null, status: "captured" })
            const partial = part.body.payment_link
            expect(Object.keys(partial)).toEqual(ENTITY_KEYS)
            expect(partial).toMatchObject({ status: "partially_paid", amount_paid: 10000 })
            expect(partial.payments).toEqual([
              {
                amount: 10000,
                created_at: part.body.payment.created_at,
                method: "card",
                payment_id: part.body.payment.id,
                plink_id: link.id,
                status: "captured",
                updated_at: part.body.payment.created_at
              }
            ])
            expect(await rzp.paymentLink.fetch(link.id)).toEqual(partial)
            // A partially paid link takes an update here (the invoices API allows only its notes).
            const edited = await rzp.paymentLink.edit(link.id, { notes: { step: "2" }, reminder_enable: true })
            expect(edited).toMatchObject({ status: "partially_paid", notes: { step: "2" }, reminder_enable: true })
            await refused(
              rzp.paymentLink.cancel(link.id),
              "cannot cancel or expire an already paid/partially paid link"
            )
            const byPayment = await rzp.paymentLink.all({ payment_id: part.body.payment.id })
            expect(byPayment.payment_links.map((found: any) => found.id)).toEqual([link.id])
            expect((await rzp.paymentLink.all({ status: "partially_paid" })).payment_links).toHaveLength(1)

            const rest = await call("POST", `/v1/sandbox/payment_links/${link.id}/payments`, {})
            expect(rest.body.payment_link).toMatchObject({ status: "paid", amount_paid: 30000 })
            expect(rest.body.payment_link.payments).toHaveLength(2)
            await refused(
              rzp.paymentLink.cancel(link.id),
              "cannot cancel or expire an already paid/partially paid link"
            )
            await refused(
              rzp.paymentLink.edit(link.id, { notes: { step: "3" } }),
              "update can only be made in created or partially paid state"
            )
            // An invoices id names nothing on the Payment Links sandbox route either.
            const invoice = await rzp.invoices.create({ type: "link", amount: 1000 })
            const wrong = await call("POST", `/v1/sandbox/payment_links/${invoice.id}/payments`, {})
            expect(wrong).toMatchObject({
              status: 400,
              body: { error: { description: "The id provided does not exist" } }
            })

            // The test clock expires Payment Links too.
            const expiring = await rzp.paymentLink.create({
              amount: 5000,
              expire_by: Math.floor(Date.now() / 1000) + 3600
            })
            const moved = await call("POST", "/v1/sandbox/clock", { advance_by: 7200 })
            expect(moved.status).toBe(200)
            const expired = await rzp.paymentLink.fetch(expiring.id)
            expect(expired).toMatchObject({ status: "expired", expired_at: expiring.expire_by })
            expect(expired.updated_at).toBe(expiring.expire_by)
            await refused(rzp.paymentLink.cancel(expiring.id), "cannot cancel or expire an expired link")
            expect((await rzp.paymentLink.all({ status: "expired" })).payment_links.map((l: any) => l.id)).toEqual([
              expiring.id
            ])
          })
        }),
      60_000
    )
  })

suite(
  "SQLite",
  Effect.sync(() => `sqlite:${Path.join(tempDir(), "paylinks.db")}`)
)
if (pgUrl) suite("PostgreSQL", freshPgSchemaUrl)
