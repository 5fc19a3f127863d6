import { PaylinksClient } from "@paylinks/client"

const paylinks = PaylinksClient.promise({
  baseUrl: process.env.PAYLINKS_SERVER ?? "http://127.0.0.1:4010",
  keyId: process.env.PAYLINKS_KEY_ID ?? "rzp_test_YourKeyId0001",
  keySecret: process.env.PAYLINKS_KEY_SECRET ?? "your-key-secret"
})

try {
  const link = await paylinks.paymentLinks.create({
    amount: 50000,
    description: "Shoes",
    reference_id: "order-43",
    customer: { email: "asha@example.com" },
    notify: { email: true }
  })
  console.log(link.id, link.status, link.short_url)

  const page = await paylinks.paymentLinks.list({ reference_id: "order-43" })
  console.log(`${page.payment_links.length} with reference order-43`)

  const cancelled = await paylinks.paymentLinks.cancel(link.id)
  console.log(cancelled.status)

  await paylinks.paymentLinks.create({ amount: 50000, reference_id: "order-43" })
} catch (error) {
  if (error instanceof PaylinksClient.BadRequestError) console.log("refused:", error.error.description)
  else throw error
} finally {
  await paylinks.close()
}
