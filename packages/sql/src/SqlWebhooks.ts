/**
 * The WebhookEndpoints and WebhookDeliveries ports on @effect/sql. Endpoint secrets are sealed with
 * the master key, bound to the endpoint id. A claim is one statement: on PostgreSQL the due
 * deliveries are picked `FOR UPDATE SKIP LOCKED`, so dispatchers in several processes never lease the
 * same delivery; on SQLite it runs under the database's one write lock. A delivery is claimable only
 * when no earlier pending delivery of the same endpoint and link exists, which keeps per-link order.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type * as Statement from "@effect/sql/Statement"
import { MerchantId, PaymentLinkId } from "@paylinks/core/Ids"
import * as Tenant from "@paylinks/core/Tenant"
import {
  type Attempt,
  type ClaimedDelivery,
  type Delivery,
  type DeliveryStatus,
  WebhookDeliveries,
  type WebhookDeliveriesShape,
  type WebhookEvent
} from "@paylinks/core/WebhookDeliveries"
import {
  EndpointNotFound,
  WebhookEndpoint,
  WebhookEndpoints,
  type WebhookEndpointsShape,
  type WebhookEventName
} from "@paylinks/core/WebhookEndpoints"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { toInt, toIntOrNull } from "./internal/codec.js"
import type { SecretBox } from "./SecretBox.js"
import { StatementRunner } from "./StatementRunner.js"
import { BOOKKEEPING, Writer } from "./Writer.js"

interface EndpointRow {
  readonly id: string
  readonly merchant_id: string
  readonly mode: string
  readonly url: string
  readonly secret_ciphertext: string
  readonly events: string
  readonly active: unknown
  readonly disabled_at: unknown
  readonly disabled_reason: string | null
  readonly created_at: unknown
  readonly updated_at: unknown
}

interface DeliveryRow {
  readonly id: unknown
  readonly endpoint_id: string
  readonly event_id: string
  readonly event_type: string
  readonly link_id: string
  readonly sequence: unknown
  readonly status: string
  readonly attempts: unknown
  readonly next_attempt_at: unknown
  readonly give_up_at: unknown
  readonly created_at: unknown
  readonly delivered_at: unknown
  readonly last_error: string | null
  readonly payload: string
}

interface EventRow {
  readonly event_id: string
  readonly merchant_id: string
  readonly mode: string
  readonly link_id: string
  readonly sequence: unknown
  readonly event_type: string
  readonly body: string
  readonly created_at: unknown
}

interface AttemptRow {
  readonly delivery_id: unknown
  readonly attempted_at: unknown
  readonly status_code: unknown
  readonly latency_ms: unknown
  readonly error: string | null
}

const tenantOf = (merchantId: string, mode: string) =>
  Tenant.make(MerchantId.make(merchantId, { disableValidation: true }), mode === "live" ? "live" : "test")

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: toInt(row.id),
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  event: row.event_type as WebhookEventName,
  linkId: PaymentLinkId.make(row.link_id, { disableValidation: true }),
  sequence: toInt(row.sequence),
  status: row.status as DeliveryStatus,
  attempts: toInt(row.attempts),
  nextAttemptAt: toInt(row.next_attempt_at),
  giveUpAt: toInt(row.give_up_at),
  createdAt: toInt(row.created_at),
  deliveredAt: toIntOrNull(row.delivered_at),
  lastError: row.last_error
})

const toEvent = (row: EventRow): WebhookEvent => ({
  eventId: row.event_id,
  tenant: tenantOf(row.merchant_id, row.mode),
  linkId: PaymentLinkId.make(row.link_id, { disableValidation: true }),
  sequence: toInt(row.sequence),
  event: row.event_type as WebhookEventName,
  body: row.body,
  createdAt: toInt(row.created_at)
})

const toAttempt = (row: AttemptRow): Attempt => ({
  deliveryId: toInt(row.delivery_id),
  attemptedAt: toInt(row.attempted_at),
  statusCode: toIntOrNull(row.status_code),
  latencyMs: toIntOrNull(row.latency_ms),
  error: row.error
})

const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, link_id, sequence, status, attempts, next_attempt_at,
  give_up_at, created_at, delivered_at, last_error, payload`

export const make = (
  box: SecretBox
): Effect.Effect<
  Context.Context<WebhookEndpoints | WebhookDeliveries>,
  never,
  SqlClient.SqlClient | Writer | StatementRunner
> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const writer = yield* Writer
    // The statements the dispatcher runs for every event and every poll go through the runner.
    const { rows: run } = yield* StatementRunner

    const toEndpoint = (row: EndpointRow): WebhookEndpoint =>
      new WebhookEndpoint(
        {
          id: row.id,
          merchantId: MerchantId.make(row.merchant_id, { disableValidation: true }),
          mode: row.mode === "live" ? "live" : "test",
          url: row.url,
          secret: box.open(row.secret_ciphertext, row.id),
          events: JSON.parse(row.events) as Array<WebhookEventName>,
          enabled: toInt(row.active) === 1,
          disabledAt: toIntOrNull(row.disabled_at),
          disabledReason: row.disabled_reason,
          createdAt: toInt(row.created_at),
          updatedAt: toInt(row.updated_at)
        },
        { disableValidation: true }
      )

    const endpointColumns = (endpoint: WebhookEndpoint) => ({
      url: endpoint.url,
      secret_ciphertext: box.seal(endpoint.secret, endpoint.id),
      events: JSON.stringify(endpoint.events),
      active: endpoint.enabled ? 1 : 0,
      disabled_at: endpoint.disabledAt,
      disabled_reason: endpoint.disabledReason,
      updated_at: endpoint.updatedAt
    })

    const inTenant = (tenant: Tenant.Tenant) => sql`merchant_id = ${tenant.merchantId} AND mode = ${tenant.mode}`

    const selectEndpoints = (where: Statement.Fragment) =>
      Effect.orDie(run(sql<EndpointRow>`SELECT * FROM webhook_endpoints WHERE ${where} ORDER BY created_at, id`)).pipe(
        Effect.map((rows) => rows.map(toEndpoint))
      )

    const removeEndpoint = (id: string) =>
      Effect.gen(function* () {
        yield* sql`DELETE FROM webhook_attempts WHERE delivery_id IN
          (SELECT id FROM webhook_deliveries WHERE endpoint_id = ${id})`
        yield* sql`DELETE FROM webhook_deliveries WHERE endpoint_id = ${id}`
        yield* sql`DELETE FROM webhook_endpoints WHERE id = ${id}`
      })

    const endpoints: WebhookEndpointsShape = {
      create: (endpoint) =>
        writer.write(
          Effect.orDie(
            sql`INSERT INTO webhook_endpoints ${sql.insert({
              id: endpoint.id,
              merchant_id: endpoint.merchantId,
              mode: endpoint.mode,
              created_at: endpoint.createdAt,
              ...endpointColumns(endpoint)
            })}`
          )
        ),
      list: (tenant) => selectEndpoints(inTenant(tenant)),
      find: (tenant, id) =>
        Effect.map(selectEndpoints(sql`id = ${id} AND ${inTenant(tenant)}`), (found) => Option.fromNullable(found[0])),
      update: (endpoint) =>
        writer.write(
          Effect.gen(function* () {
            const rows = yield* Effect.orDie(sql`UPDATE webhook_endpoints SET ${sql.update(endpointColumns(endpoint))}
              WHERE id = ${endpoint.id} AND ${inTenant(endpoint)} RETURNING id`)
            if (rows.length === 0) return yield* new EndpointNotFound({ id: endpoint.id })
          })
        ),
      remove: (tenant, id) =>
        writer.write(
          Effect.gen(function* () {
            const rows = yield* Effect.orDie(
              sql`SELECT id FROM webhook_endpoints WHERE id = ${id} AND ${inTenant(tenant)}`
            )
            if (rows.length === 0) return yield* new EndpointNotFound({ id })
            yield* Effect.orDie(removeEndpoint(id))
          })
        ),
      subscribed: (tenant, event) =>
        Effect.map(selectEndpoints(sql`${inTenant(tenant)} AND active = 1`), (found) =>
          found.filter((endpoint) => endpoint.receives(event))
        )
    }

    // Through a SELECT on the endpoint: an endpoint removed meanwhile simply gets no delivery.
    const insertDelivery = (event: WebhookEvent, endpointId: string, due: number, giveUpAt: number) =>
      run(sql`INSERT INTO webhook_deliveries (endpoint_id, event_id, merchant_id, mode, event_type, payload, status,
          attempts, next_attempt_at, give_up_at, created_at, link_id, sequence)
        SELECT id, ${event.eventId}, ${event.tenant.merchantId}, ${event.tenant.mode}, ${event.event}, ${event.body},
          'pending', 0, CAST(${due} AS BIGINT), CAST(${giveUpAt} AS BIGINT), CAST(${event.createdAt} AS BIGINT),
          ${event.linkId}, CAST(${event.sequence} AS BIGINT)
        FROM webhook_endpoints WHERE id = ${endpointId}
        ON CONFLICT (endpoint_id, event_id) DO NOTHING`)

    const record: WebhookDeliveriesShape["record"] = (event, endpointIds, giveUpAt) =>
      writer.write(
        Effect.orDie(
          Effect.gen(function* () {
            yield* run(
              sql`INSERT INTO webhook_events ${sql.insert({
                event_id: event.eventId,
                merchant_id: event.tenant.merchantId,
                mode: event.tenant.mode,
                link_id: event.linkId,
                sequence: event.sequence,
                event_type: event.event,
                body: event.body,
                created_at: event.createdAt
              })} ON CONFLICT (event_id) DO NOTHING`
            )
            for (const endpointId of endpointIds) yield* insertDelivery(event, endpointId, event.createdAt, giveUpAt)
          })
        ),
        BOOKKEEPING
      )

    const recorded: WebhookDeliveriesShape["recorded"] = (eventIds) =>
      eventIds.length === 0
        ? Effect.succeed([])
        : Effect.orDie(
            run(
              sql<{
                readonly event_id: string
              }>`SELECT event_id FROM webhook_events WHERE event_id IN ${sql.in(eventIds)}`
            )
          ).pipe(Effect.map((rows) => rows.map((row) => row.event_id)))

    const claim: WebhookDeliveriesShape["claim"] = (request) =>
      Effect.gen(function* () {
        const { now } = request
        const excluded =
          request.excludeEndpoints.length === 0
            ? sql``
            : sql`AND d.endpoint_id NOT IN ${sql.in(request.excludeEndpoints)}`
        const due = sql`d.status = 'pending' AND d.next_attempt_at <= ${now}
          AND (d.claimed_until IS NULL OR d.claimed_until <= ${now}) ${excluded}
          AND e.active = 1
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id
            AND p.link_id = d.link_id AND p.status = 'pending' AND p.sequence < d.sequence)`
        // Scan beyond `limit` so one endpoint's backlog cannot hide every other endpoint's due deliveries.
        const scan = request.limit * 4
        const until = now + request.leaseSeconds
        const rows = yield* writer.write(
          Effect.orDie(
            run(
              sql.onDialectOrElse({
                pg: () => sql<DeliveryRow>`WITH due AS (
                  SELECT d.id, d.endpoint_id, d.next_attempt_at FROM webhook_deliveries d
                  JOIN webhook_endpoints e ON e.id = d.endpoint_id
                  WHERE ${due} ORDER BY d.next_attempt_at, d.id LIMIT ${scan}
                  FOR UPDATE OF d SKIP LOCKED
                ), ranked AS (
                  SELECT id, next_attempt_at,
                    ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, id) AS rank FROM due
                ), chosen AS (
                  SELECT id FROM ranked WHERE rank <= ${request.perEndpoint} ORDER BY next_attempt_at, id
                  LIMIT ${request.limit}
                )
                UPDATE webhook_deliveries SET claimed_by = ${request.workerId}, claimed_until = ${until}
                FROM chosen WHERE webhook_deliveries.id = chosen.id
                RETURNING ${sql.literal(DELIVERY_COLUMNS.replace(/(^|,\s*)(\w+)/g, "$1webhook_deliveries.$2"))}`,
                orElse: () => sql<DeliveryRow>`UPDATE webhook_deliveries
                SET claimed_by = ${request.workerId}, claimed_until = ${until}
                WHERE id IN (
                  SELECT id FROM (
                    SELECT d.id, d.next_attempt_at,
                      ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS rank
                    FROM (SELECT d.* FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                      WHERE ${due} ORDER BY d.next_attempt_at, d.id LIMIT ${scan}) d
                  ) WHERE rank <= ${request.perEndpoint} ORDER BY next_attempt_at, id LIMIT ${request.limit}
                )
                RETURNING ${sql.literal(DELIVERY_COLUMNS)}`
              })
            )
          ),
          BOOKKEEPING
        )
        if (rows.length === 0) return []
        const owners = yield* selectEndpoints(sql`id IN ${sql.in([...new Set(rows.map((row) => row.endpoint_id))])}`)
        const byId = new Map(owners.map((endpoint) => [endpoint.id, endpoint]))
        return rows
          .flatMap((row): Array<ClaimedDelivery> => {
            const endpoint = byId.get(row.endpoint_id)
            return endpoint === undefined ? [] : [{ ...toDelivery(row), endpoint, body: row.payload }]
          })
          .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id)
      })

    const settle: WebhookDeliveriesShape["settle"] = (workerId, attempt, outcome) =>
      writer.write(
        Effect.orDie(
          Effect.gen(function* () {
            // Through a SELECT on the delivery: one removed with its endpoint meanwhile logs nothing.
            yield* sql`INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, error)
              SELECT id, CAST(${attempt.attemptedAt} AS BIGINT), CAST(${attempt.statusCode} AS INTEGER),
                CAST(${attempt.latencyMs} AS INTEGER), CAST(${attempt.error} AS TEXT)
              FROM webhook_deliveries WHERE id = ${attempt.deliveryId}`
            yield* sql`UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = ${attempt.deliveryId}`
            const held = sql`id = ${attempt.deliveryId} AND claimed_by = ${workerId} AND status = 'pending'`
            switch (outcome._tag) {
              case "Delivered":
                yield* sql`UPDATE webhook_deliveries SET status = 'succeeded', delivered_at = ${outcome.at},
                  last_error = NULL, claimed_by = NULL, claimed_until = NULL WHERE ${held}`
                return
              case "Retry":
                yield* sql`UPDATE webhook_deliveries SET next_attempt_at = ${outcome.at}, last_error = ${outcome.error},
                  claimed_by = NULL, claimed_until = NULL WHERE ${held}`
                return
              case "GiveUp": {
                const failed = yield* sql<{ readonly endpoint_id: string }>`UPDATE webhook_deliveries
                  SET status = 'failed', last_error = ${outcome.reason}, claimed_by = NULL, claimed_until = NULL
                  WHERE ${held} RETURNING endpoint_id`
                const endpointId = failed[0]?.endpoint_id
                if (endpointId === undefined) return
                yield* sql`UPDATE webhook_endpoints SET active = 0, disabled_at = ${outcome.at},
                  disabled_reason = ${outcome.reason}, updated_at = ${outcome.at} WHERE id = ${endpointId}`
                yield* sql`UPDATE webhook_deliveries SET status = 'failed',
                  last_error = ${`Endpoint disabled: ${outcome.reason}`}, claimed_by = NULL, claimed_until = NULL
                  WHERE endpoint_id = ${endpointId} AND status = 'pending'`
              }
            }
          })
        ),
        BOOKKEEPING
      )

    const release: WebhookDeliveriesShape["release"] = (workerId, deliveryId) =>
      writer.write(
        Effect.orDie(
          run(sql`UPDATE webhook_deliveries SET claimed_by = NULL, claimed_until = NULL
          WHERE id = ${deliveryId} AND claimed_by = ${workerId}`)
        ),
        BOOKKEEPING
      )

    const list: WebhookDeliveriesShape["list"] = (tenant, filter) => {
      const filters = [inTenant(tenant)]
      if (filter.endpointId !== undefined) filters.push(sql`endpoint_id = ${filter.endpointId}`)
      if (filter.eventId !== undefined) filters.push(sql`event_id = ${filter.eventId}`)
      if (filter.status !== undefined) filters.push(sql`status = ${filter.status}`)
      return Effect.orDie(
        sql<DeliveryRow>`SELECT ${sql.literal(DELIVERY_COLUMNS)} FROM webhook_deliveries WHERE ${sql.and(filters)}
          ORDER BY id DESC LIMIT ${filter.limit ?? 50}`
      ).pipe(Effect.map((rows) => rows.map(toDelivery)))
    }

    const attempts: WebhookDeliveriesShape["attempts"] = (tenant, deliveryId) =>
      Effect.orDie(
        sql<AttemptRow>`SELECT a.delivery_id, a.attempted_at, a.status_code, a.latency_ms, a.error
          FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
          WHERE a.delivery_id = ${deliveryId} AND d.merchant_id = ${tenant.merchantId} AND d.mode = ${tenant.mode}
          ORDER BY a.id`
      ).pipe(Effect.map((rows) => rows.map(toAttempt)))

    const events: WebhookDeliveriesShape["events"] = (tenant, selector) => {
      const filters = [inTenant(tenant)]
      if (selector.eventId !== undefined) filters.push(sql`event_id = ${selector.eventId}`)
      if (selector.from !== undefined) filters.push(sql`created_at >= ${selector.from}`)
      if (selector.to !== undefined) filters.push(sql`created_at <= ${selector.to}`)
      return Effect.orDie(
        sql<EventRow>`SELECT * FROM webhook_events WHERE ${sql.and(filters)}
          ORDER BY sequence LIMIT ${selector.limit ?? 1000}`
      ).pipe(Effect.map((rows) => rows.map(toEvent)))
    }

    const redeliver: WebhookDeliveriesShape["redeliver"] = (tenant, pairs, now, giveUpAt) =>
      writer.write(
        Effect.orDie(
          Effect.gen(function* () {
            let scheduled = 0
            for (const { eventId, endpointId } of pairs) {
              const found =
                yield* sql<EventRow>`SELECT * FROM webhook_events WHERE event_id = ${eventId} AND ${inTenant(tenant)}`
              const owner =
                yield* sql`SELECT id FROM webhook_endpoints WHERE id = ${endpointId} AND ${inTenant(tenant)}`
              if (found.length === 0 || owner.length === 0) continue
              const reset = yield* sql`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ${now},
                give_up_at = ${giveUpAt}, delivered_at = NULL, last_error = NULL
                WHERE event_id = ${eventId} AND endpoint_id = ${endpointId} RETURNING id`
              if (reset.length === 0) yield* insertDelivery(toEvent(found[0]!), endpointId, now, giveUpAt)
              scheduled++
            }
            return scheduled
          })
        )
      )

    return Context.make(WebhookEndpoints, endpoints).pipe(
      Context.add(WebhookDeliveries, {
        record,
        recorded,
        claim,
        settle,
        release,
        list,
        attempts,
        events,
        redeliver
      } satisfies WebhookDeliveriesShape)
    )
  })

/** Both webhook ports over the storage's database; `box` seals endpoint secrets. */
export const layer = (
  box: SecretBox
): Layer.Layer<WebhookEndpoints | WebhookDeliveries, never, SqlClient.SqlClient | Writer | StatementRunner> =>
  Layer.effectContext(make(box))
