/**
 * The invariants of stored links (docs/domain.md), checked on a snapshot: amounts that add
 * up, dates set exactly when their event happened, one payment row per payment, and exactly one
 * outbox event per transition. Returns every violation, each naming its link.
 */
import type { Snapshot } from "./Snapshot.js"

const count = <A>(items: ReadonlyArray<A>, predicate: (item: A) => boolean) =>
  items.reduce((n, item) => (predicate(item) ? n + 1 : n), 0)

export const violations = (snapshot: Snapshot): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const paymentsByLink = new Map<string, Array<Snapshot["payments"][number]>>()
  for (const payment of snapshot.payments) {
    const list = paymentsByLink.get(payment.linkId) ?? []
    list.push(payment)
    paymentsByLink.set(payment.linkId, list)
  }
  const eventsByLink = new Map<string, Array<Snapshot["events"][number]>>()
  for (const event of snapshot.events) {
    const list = eventsByLink.get(event.linkId) ?? []
    list.push(event)
    eventsByLink.set(event.linkId, list)
  }
  const linkIds = new Set(snapshot.links.map((row) => row.id))
  for (const linkId of paymentsByLink.keys()) if (!linkIds.has(linkId)) problems.push(`payments of no link ${linkId}`)
  for (const linkId of eventsByLink.keys()) if (!linkIds.has(linkId)) problems.push(`events of no link ${linkId}`)
  const eventIds = new Set<string>()
  for (const event of snapshot.events) {
    if (eventIds.has(event.eventId)) problems.push(`event id ${event.eventId} twice`)
    eventIds.add(event.eventId)
  }

  for (const row of snapshot.links) {
    const { link } = row
    const fail = (what: string) => problems.push(`${row.id} (${link.status}): ${what}`)
    if (row.status !== link.status) fail(`status column ${row.status} ≠ stored link`)
    if (row.version !== link.version) fail(`version column ${row.version} ≠ stored link ${link.version}`)
    if (row.merchantId !== link.merchantId || row.mode !== link.mode) fail("tenant columns ≠ stored link")
    const paid = link.payments.reduce((sum, payment) => sum + payment.amount, 0)
    if (link.amountPaid !== paid) fail(`amount_paid ${link.amountPaid} ≠ sum of payments ${paid}`)
    if (link.amountPaid < 0 || link.amountPaid > link.amount) fail(`amount_paid ${link.amountPaid} of ${link.amount}`)
    if (link.payments.some((payment) => payment.amount <= 0)) fail("a payment of no amount")

    const rows = paymentsByLink.get(row.id) ?? []
    const stored = new Map(rows.map((payment) => [payment.paymentId, payment.amount]))
    if (
      rows.length !== link.payments.length ||
      link.payments.some((payment) => stored.get(payment.id) !== payment.amount)
    )
      fail(`payment rows ${JSON.stringify([...stored])} ≠ the link's payments`)

    switch (link.status) {
      case "issued":
        if (link.amountPaid !== 0) fail("issued with payments")
        break
      case "partially_paid":
        if (link.amountPaid <= 0 || link.amountPaid >= link.amount) fail(`partially paid ${link.amountPaid}`)
        break
      case "paid":
        if (link.amountPaid !== link.amount) fail(`paid ${link.amountPaid} of ${link.amount}`)
        break
      case "cancelled":
        // Only an issued link can be cancelled.
        if (link.amountPaid !== 0) fail("cancelled with payments")
        break
      case "expired":
        if (link.amountPaid >= link.amount) fail("expired although paid in full")
        break
    }
    if ((link.paidAt !== null) !== (link.status === "paid")) fail(`paid_at ${link.paidAt}`)
    if ((link.cancelledAt !== null) !== (link.status === "cancelled")) fail(`cancelled_at ${link.cancelledAt}`)
    if ((link.expiredAt !== null) !== (link.status === "expired")) fail(`expired_at ${link.expiredAt}`)
    if (link.issuedAt === null) fail("issued_at not set")

    const events = eventsByLink.get(row.id) ?? []
    const of = (type: string) => count(events, (event) => event.type === type)
    if (of("LinkIssued") !== 1) fail(`${of("LinkIssued")} LinkIssued events`)
    const paymentEvents = of("LinkPartiallyPaid") + of("LinkPaid")
    if (paymentEvents !== link.payments.length)
      fail(`${paymentEvents} payment events for ${link.payments.length} payments`)
    if (of("LinkPaid") !== (link.status === "paid" ? 1 : 0)) fail(`${of("LinkPaid")} LinkPaid events`)
    if (of("LinkCancelled") !== (link.status === "cancelled" ? 1 : 0)) fail(`${of("LinkCancelled")} LinkCancelled`)
    if (of("LinkExpired") !== (link.status === "expired" ? 1 : 0)) fail(`${of("LinkExpired")} LinkExpired`)
  }
  return problems
}
