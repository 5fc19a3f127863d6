/**
 * Schema version 1: the initial tables — merchants and their keys, customers, payment links with their
 * payments and orders, the outbox, idempotency keys, test clocks, webhook endpoints and deliveries.
 */
import type { Migration } from "./Migration.js"

const OPEN_STATUSES = "('issued', 'partially_paid')"

export const v1: Migration = {
  version: 1,
  name: "initial schema",
  statements: [
    `CREATE TABLE storage_meta (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    )`,
    `CREATE TABLE merchants (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE TABLE api_keys (
      key_id TEXT PRIMARY KEY,
      merchant_id TEXT NOT NULL REFERENCES merchants (id),
      mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
      secret_ciphertext TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      revoked_at BIGINT
    )`,
    `CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id, created_at)`,
    `CREATE TABLE customers (
      id TEXT PRIMARY KEY,
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
      name TEXT,
      email TEXT,
      contact TEXT,
      created_at BIGINT NOT NULL
    )`,
    `CREATE TABLE payment_links (
      id TEXT PRIMARY KEY,
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
      status TEXT NOT NULL CHECK (status IN ('issued', 'partially_paid', 'paid', 'cancelled', 'expired')),
      receipt TEXT,
      customer_id TEXT,
      created_at BIGINT NOT NULL,
      expire_by BIGINT NOT NULL,
      short_code TEXT NOT NULL UNIQUE,
      version INTEGER NOT NULL,
      data TEXT NOT NULL
    )`,
    // The first list page and the created_at range filter; every other filter has its own prefix.
    `CREATE INDEX payment_links_by_tenant ON payment_links (merchant_id, mode, created_at, id)`,
    `CREATE INDEX payment_links_by_status ON payment_links (merchant_id, mode, status, created_at, id)`,
    `CREATE INDEX payment_links_by_receipt ON payment_links (merchant_id, mode, receipt, created_at, id)`,
    `CREATE INDEX payment_links_by_customer ON payment_links (merchant_id, mode, customer_id, created_at, id)`,
    // The expiry sweep reads open links only, across tenants or within one (test clocks).
    `CREATE INDEX payment_links_due ON payment_links (expire_by) WHERE status IN ${OPEN_STATUSES}`,
    `CREATE INDEX payment_links_due_by_tenant ON payment_links (merchant_id, mode, expire_by)
      WHERE status IN ${OPEN_STATUSES}`,
    `CREATE TABLE link_payments (
      payment_id TEXT PRIMARY KEY,
      link_id TEXT NOT NULL REFERENCES payment_links (id),
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL,
      amount BIGINT NOT NULL,
      currency TEXT NOT NULL,
      method TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX link_payments_by_link ON link_payments (link_id)`,
    `CREATE TABLE orders (
      id TEXT PRIMARY KEY,
      link_id TEXT NOT NULL REFERENCES payment_links (id),
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL,
      amount BIGINT NOT NULL,
      currency TEXT NOT NULL,
      receipt TEXT,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX orders_by_link ON orders (link_id)`,
    `CREATE TABLE outbox (
      sequence {{identity}},
      event_id TEXT NOT NULL UNIQUE,
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL,
      link_id TEXT NOT NULL,
      event_type TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      available_at BIGINT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      claimed_by TEXT,
      claimed_until BIGINT,
      delivered_at BIGINT,
      last_error TEXT
    )`,
    `CREATE INDEX outbox_by_link ON outbox (link_id, sequence)`,
    `CREATE INDEX outbox_pending ON outbox (available_at, sequence) WHERE delivered_at IS NULL`,
    `CREATE TABLE idempotency_keys (
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL,
      idempotency_key TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      response_status INTEGER,
      response_body TEXT,
      PRIMARY KEY (merchant_id, mode, idempotency_key)
    )`,
    `CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)`,
    `CREATE TABLE test_clocks (
      merchant_id TEXT PRIMARY KEY,
      offset_seconds BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE TABLE webhook_endpoints (
      id TEXT PRIMARY KEY,
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
      url TEXT NOT NULL,
      secret_ciphertext TEXT NOT NULL,
      events TEXT NOT NULL,
      active INTEGER NOT NULL DEFAULT 1,
      disabled_at BIGINT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (merchant_id, mode, created_at)`,
    `CREATE TABLE webhook_deliveries (
      id {{identity}},
      endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
      event_id TEXT NOT NULL,
      merchant_id TEXT NOT NULL,
      mode TEXT NOT NULL,
      event_type TEXT NOT NULL,
      payload TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at BIGINT NOT NULL,
      claimed_by TEXT,
      claimed_until BIGINT,
      created_at BIGINT NOT NULL,
      delivered_at BIGINT,
      UNIQUE (endpoint_id, event_id)
    )`,
    `CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    `CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at)`,
    `CREATE TABLE webhook_attempts (
      id {{identity}},
      delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
      attempted_at BIGINT NOT NULL,
      status_code INTEGER,
      latency_ms INTEGER,
      error TEXT
    )`,
    `CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempted_at)`
  ]
}
