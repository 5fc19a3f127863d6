/**
 * Schema version 4: two contracts over one table of links. A link records the contract it was created
 * through; every list index leads with it after the tenant, so each contract's lists and filters stay
 * index-served; Payment Links keep their reference unique per merchant and mode, enforced by an index so
 * that two concurrent creates with one reference cannot both commit.
 */
import type { Migration } from "./Migration.js"

const LIST_INDEXES = [
  ["payment_links_by_tenant", "created_at, id"],
  ["payment_links_by_status", "status, created_at, id"],
  ["payment_links_by_receipt", "receipt, created_at, id"],
  ["payment_links_by_customer", "customer_id, created_at, id"]
] as const

export const v4: Migration = {
  version: 4,
  name: "payment links contract",
  statements: [
    `ALTER TABLE payment_links ADD COLUMN contract TEXT NOT NULL DEFAULT 'invoices'
      CHECK (contract IN ('invoices', 'payment_links'))`,
    `ALTER TABLE payment_links ADD COLUMN upi_link INTEGER NOT NULL DEFAULT 0 CHECK (upi_link IN (0, 1))`,
    ...LIST_INDEXES.flatMap(([name, columns]) => [
      `DROP INDEX ${name}`,
      `CREATE INDEX ${name} ON payment_links (merchant_id, mode, contract, ${columns})`
    ]),
    `CREATE INDEX payment_links_by_upi ON payment_links (merchant_id, mode, contract, upi_link, created_at, id)`,
    `CREATE UNIQUE INDEX payment_links_reference ON payment_links (merchant_id, mode, receipt)
      WHERE contract = 'payment_links' AND receipt IS NOT NULL`
  ]
}
