/**
 * The one use-case interface the `links`, `payment-links` and `inbox` commands run on. Two layers implement it: `LocalGateway`
 * (core's use-cases over the database) and `RemoteGateway` (the typed client over HTTP). Both speak
 * the wire entity and fail with the wire texts, so a command prints the same thing on either.
 */
import type { Mode } from "@paylinks/core/Tenant"
import type { PAYMENT_METHODS } from "@paylinks/core/Validation"
import type { InboxMessageEntity } from "@paylinks/contract/SandboxWire"
import type { PaymentLinkEntity, PaymentLinkStatus, UpdatePaymentLinkRequest } from "@paylinks/contract/PaymentLinkWire"
import type { InvoiceEntity, InvoiceStatus, NotifyResult, UpdateInvoiceRequest } from "@paylinks/contract/Wire"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { EnvironmentError, Refused } from "./CliError.js"

/** The list filters of `GET /v1/invoices` (docs/http-api.md). */
export interface ListFilters {
  readonly type?: string | undefined
  readonly status?: InvoiceStatus | undefined
  readonly receipt?: string | undefined
  readonly customer_id?: string | undefined
  readonly payment_id?: string | undefined
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly count?: number | undefined
  readonly skip?: number | undefined
}

/** The list filters of `GET /v1/payment_links` (docs/http-api.md#payment-links). */
export interface PaymentLinkFilters {
  readonly status?: PaymentLinkStatus | undefined
  readonly reference_id?: string | undefined
  readonly payment_id?: string | undefined
  readonly upi_link?: boolean | undefined
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly count?: number | undefined
  readonly skip?: number | undefined
}

export interface CreateOptions {
  /** Sent as `Idempotency-Key` (docs/http-api.md). */
  readonly idempotencyKey?: string | undefined
}

/** A created link, and whether the answer is the replay of an earlier request with the same idempotency key. */
export interface Created<Entity = InvoiceEntity> {
  readonly entity: Entity
  readonly replayed: boolean
}

export interface PaymentInput {
  readonly amount?: number | undefined
  readonly method?: (typeof PAYMENT_METHODS)[number] | undefined
}

/** The sandbox inbox's filters (`GET /v1/sandbox/inbox`). */
export interface InboxFilters {
  readonly channel?: "sms" | "email" | undefined
  readonly invoice_id?: string | undefined
  readonly count?: number | undefined
}

export type GatewayError = Refused | EnvironmentError

/** The Payment Links contract (`/v1/payment_links`): the same commands, the `payment_link` entity. */
export interface PaymentLinksGatewayShape {
  /** `input` is a create request body; values are checked by the API, not here. */
  readonly create: (
    input: Record<string, unknown>,
    options?: CreateOptions
  ) => Effect.Effect<Created<PaymentLinkEntity>, GatewayError>
  readonly get: (id: string) => Effect.Effect<PaymentLinkEntity, GatewayError>
  readonly list: (filters: PaymentLinkFilters) => Effect.Effect<ReadonlyArray<PaymentLinkEntity>, GatewayError>
  readonly cancel: (id: string) => Effect.Effect<PaymentLinkEntity, GatewayError>
  readonly update: (id: string, input: UpdatePaymentLinkRequest) => Effect.Effect<PaymentLinkEntity, GatewayError>
  readonly notify: (id: string, medium: string) => Effect.Effect<NotifyResult, GatewayError>
  /** A captured sandbox payment (test mode only). */
  readonly pay: (id: string, input: PaymentInput) => Effect.Effect<PaymentLinkEntity, GatewayError>
}

export interface LinksGatewayShape {
  /** The mode of the key the commands act with. */
  readonly mode: Mode
  /** `input` is a create request body (`type` is added); values are checked by the API, not here. */
  readonly create: (input: Record<string, unknown>, options?: CreateOptions) => Effect.Effect<Created, GatewayError>
  readonly get: (id: string) => Effect.Effect<InvoiceEntity, GatewayError>
  readonly list: (filters: ListFilters) => Effect.Effect<ReadonlyArray<InvoiceEntity>, GatewayError>
  readonly cancel: (id: string) => Effect.Effect<InvoiceEntity, GatewayError>
  readonly update: (id: string, input: UpdateInvoiceRequest) => Effect.Effect<InvoiceEntity, GatewayError>
  readonly notify: (id: string, medium: string) => Effect.Effect<NotifyResult, GatewayError>
  /** A captured sandbox payment (test mode only). */
  readonly pay: (id: string, input: PaymentInput) => Effect.Effect<InvoiceEntity, GatewayError>
  /** The same merchant's links through the Payment Links contract. */
  readonly paymentLinks: PaymentLinksGatewayShape
  /** The messages the sandbox "sent" to customers, newest first (test mode only). */
  readonly inbox: (filters: InboxFilters) => Effect.Effect<ReadonlyArray<InboxMessageEntity>, GatewayError>
}

export class LinksGateway extends Context.Tag("@paylinks/cli/LinksGateway")<LinksGateway, LinksGatewayShape>() {}

/** The list query as the wire carries it: every value as text, absent values left out. */
export const filtersAsQuery = (filters: ListFilters | PaymentLinkFilters | InboxFilters): Record<string, string> => {
  const query: Record<string, string> = {}
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) query[key] = String(value)
  return query
}
