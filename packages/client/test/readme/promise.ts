import { PaylinksClient } from "@paylinks/client"

const paylinks = PaylinksClient.promise({
  baseUrl: process.env.PAYLINKS_SERVER ?? "http://127.0.0.1:4010",
  keyId: process.env.PAYLINKS_KEY_ID ?? "rzp_test_YourKeyId0001",
  keySecret: process.env.PAYLINKS_KEY_SECRET ?? "your-key-secret"
})

try {
  const link = await paylinks.invoices.create(
    { type: "link", amount: 50000, description: "Shoes", customer: { email: "asha@example.com" } },
    { idempotencyKey: "order-42" }
  )
  console.log(link.id, link.status, link.short_url)

  const page = await paylinks.invoices.list({ status: "issued", count: 5 })
  console.log(`${page.count} issued`)

  await paylinks.invoices.create({ type: "link", amount: 10 })
} catch (error) {
  if (error instanceof PaylinksClient.BadRequestError) console.log("refused:", error.error.description)
  else throw error
} finally {
  await paylinks.close()
}
