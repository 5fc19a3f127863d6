/**
 * Schema version 2: what webhook delivery and the sandbox inbox need beyond the initial tables.
 * Deliveries learn their link and outbox position (per-link order), their retry window and last
 * error; endpoints learn why they were disabled; fanned-out events are kept once each (their exact
 * body, for redelivery to any endpoint); the sandbox inbox gets its table.
 */
import type { Migration } from "./Migration.js"

export const v2: Migration = {
  version: 2,
  name: "webhook delivery and sandbox inbox",
  statements: [
    `ALTER TABLE webhook_endpoints ADD COLUMN disabled_reason TEXT`,
    `ALTER TABLE webhook_deliveries ADD COLUMN link_id TEXT`,
    `ALTER TABLE webhook_deliveries ADD COLUMN sequence BIGINT`,
    `ALTER TABLE webhook_deliveries ADD COLUMN give_up_at BIGINT`,
    `ALTER TABLE webhook_deliveries ADD COLUMN last_error TEXT`,
    `CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries (endpoint_id, link_id, sequence)
      WHERE status = 'pending'`,
    `CREATE INDEX webhook_deliveries_by_tenant ON webhook_deliveries (merchant_id, mode, id)`,
    `CREATE TABLE webhook_events (
      event_id TEXT PRIMARY KEY,
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
      link_id TEXT NOT NULL,
      sequence BIGINT NOT NULL,
      event_type TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX webhook_events_by_tenant ON webhook_events (merchant_id, mode, created_at)`,
    `CREATE TABLE sandbox_inbox (
      seq {{identity}},
      id TEXT NOT NULL UNIQUE,
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
      link_id TEXT NOT NULL,
      channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
      recipient TEXT NOT NULL,
      subject TEXT,
      body TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX sandbox_inbox_by_tenant ON sandbox_inbox (merchant_id, mode, seq)`
  ]
}
