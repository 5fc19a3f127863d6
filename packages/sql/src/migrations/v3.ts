/**
 * Schema version 3: outbox claims walk the pending entries in outbox order.
 */
import type { Migration } from "./Migration.js"

export const v3: Migration = {
  version: 3,
  name: "outbox claims in outbox order",
  statements: [
    // A claim takes the oldest claimable entries by sequence. The index on (available_at, sequence) made it
    // gather and sort every pending entry first — milliseconds per claim with a backlog of thousands; walking
    // the pending entries in sequence order stops at the first `limit` claimable ones.
    `CREATE INDEX outbox_pending_in_order ON outbox (sequence) WHERE delivered_at IS NULL`,
    `DROP INDEX outbox_pending`
  ]
}
