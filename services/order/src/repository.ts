import { preparedRaw, type PruneTarget, runStatement, statement, type Statement } from '@orders/db';
import { type EventEnvelope, type StatementChange } from '@orders/messaging';
import { type Knex } from 'knex';
import { type QueryResult } from 'pg';
import type { OrderConfig } from './config.js';
import { timelineInsert } from './timeline.js';
import { COMPENSATION_BACKOFF_MAX_EXPONENT, OPEN_STATUSES, type Order, type OrderLine, type OrderReason, type OrderStatus } from './domain.js';

export interface OrderRow {
  id: string;
  seq: number | string; // bigint: pg returns it as a string
  customer_id: string;
  status: OrderStatus;
  reason: OrderReason | null;
  items: OrderLine[];
  total_cents: number | string | null;
  correlation_id: string;
  inventory_released: boolean;
  payment_settled: boolean;
  /** How many times its compensation was asked for again (CANCELLING). */
  compensation_requests: number;
  deadline_at: Date;
  created_at: Date;
  updated_at: Date;
}

export type OrderPatch = Partial<
  Pick<OrderRow, 'status' | 'reason' | 'items' | 'total_cents' | 'inventory_released' | 'payment_settled' | 'compensation_requests'>
>;

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    reason: row.reason,
    items: row.items.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents ?? null })),
    totalCents: row.total_cents === null ? null : Number(row.total_cents),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * New orders and their events, in one statement (atomic without a transaction). With an
 * idempotency key (one order only), the key is claimed with the answer in the same
 * statement and nothing is stored when the key is already taken (then `placed` is 0: read
 * the key with findIdempotencyKey). Its result: `{ placed }`, how many orders it stored.
 */
/** A new order's row: what the database does not fill in itself. */
export type NewOrderRow = Omit<OrderRow, 'seq' | 'compensation_requests'>;

export function newOrders(
  rows: readonly NewOrderRow[],
  events: readonly EventEnvelope[],
  idempotency?: { key: string; response: StoredResponse },
): StatementChange {
  if (idempotency && rows.length !== 1) throw new Error('an idempotency key belongs to exactly one order');
  const claim = idempotency
    ? {
        sql: `insert into idempotency_keys (key, request_hash, order_id, response_status, response_body)
              values (?, ?, ?, ?, ?) on conflict (key) do nothing returning key`,
        bindings: [
          idempotency.key,
          idempotency.response.request_hash,
          idempotency.response.order_id,
          idempotency.response.response_status,
          JSON.stringify(idempotency.response.response_body),
        ],
      }
    : { sql: 'select 1 as key', bindings: [] };
  const claimed = 'exists (select 1 from claimed)';
  const noted = timelineInsert(events, claimed);
  const column = (key: keyof NewOrderRow) => rows.map((r) => r[key]);
  return {
    parts: [
      { name: 'claimed', ...claim },
      {
        name: 'placed',
        sql: `insert into orders (id, customer_id, status, reason, items, total_cents, correlation_id,
                                  inventory_released, payment_settled, deadline_at, created_at, updated_at)
              select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::bigint[], ?::text[],
                                   ?::boolean[], ?::boolean[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[])
              where ${claimed}
              returning 1`,
        bindings: [
          column('id'),
          column('customer_id'),
          column('status'),
          column('reason'),
          rows.map((r) => JSON.stringify(r.items)),
          column('total_cents'),
          column('correlation_id'),
          column('inventory_released'),
          column('payment_settled'),
          column('deadline_at'),
          column('created_at'),
          column('updated_at'),
        ],
      },
      { name: 'noted', ...noted },
    ],
    select: 'select (select count(*) from placed) as placed',
    events,
    eventsIf: claimed,
  };
}

export async function findOrder(db: Knex, id: string): Promise<OrderRow | undefined> {
  return db<OrderRow>('orders').where({ id }).first();
}

export async function lockOrder(trx: Knex.Transaction, id: string): Promise<OrderRow | undefined> {
  return ordersBy(await runStatement<QueryResult>(trx, lockOrders([id]))).get(id);
}

/** Locks the orders with these ids, in id order (so concurrent runs cannot deadlock). Rows: see `ordersBy`. */
export const lockOrders = (ids: readonly string[]): Statement =>
  statement('select * from orders where id = any(?::uuid[]) order by id for update', [[...new Set(ids)]]);

export const ordersBy = (result: QueryResult): Map<string, OrderRow> => new Map((result.rows as OrderRow[]).map((r) => [r.id, r]));

/**
 * Writes the saga fields of these orders back, and notes the run's events in their orders'
 * timelines, in one statement (none when there is nothing to write); `updated_at` becomes now.
 */
export function saveOrders(rows: readonly OrderRow[], events: readonly EventEnvelope[]): Statement[] {
  if (rows.length === 0 && events.length === 0) return [];
  const noted = timelineInsert(events);
  return [
    statement(
      `with noted as (${noted.sql})
       update orders o set
         status = u.status, reason = u.reason, items = u.items, total_cents = u.total_cents,
         inventory_released = u.inventory_released, payment_settled = u.payment_settled, updated_at = ?
       from unnest(?::uuid[], ?::text[], ?::text[], ?::jsonb[], ?::bigint[], ?::boolean[], ?::boolean[])
         as u(id, status, reason, items, total_cents, inventory_released, payment_settled)
       where o.id = u.id`,
      [
        ...noted.bindings,
        new Date(),
        rows.map((r) => r.id),
        rows.map((r) => r.status),
        rows.map((r) => r.reason),
        rows.map((r) => JSON.stringify(r.items)),
        rows.map((r) => r.total_cents),
        rows.map((r) => r.inventory_released),
        rows.map((r) => r.payment_settled),
      ],
    ),
  ];
}

export async function updateOrder(trx: Knex.Transaction, id: string, patch: OrderPatch): Promise<OrderRow> {
  const values: Record<string, unknown> = { ...patch, updated_at: new Date() };
  if (patch.items) values.items = JSON.stringify(patch.items);
  const [row] = await trx('orders').where({ id }).update(values).returning('*');
  return row as OrderRow;
}

export interface ListQuery {
  customerId?: string | undefined;
  status?: OrderStatus | undefined;
  limit: number;
  /** Orders older (smaller seq) than this one; from the cursor. */
  beforeSeq?: number | undefined;
}

/** Newest first, `limit` + 1 rows: the extra one tells whether there is a next page (pageOf). */
export async function listOrders(db: Knex, query: ListQuery): Promise<OrderRow[]> {
  const q = db<OrderRow>('orders').orderBy('seq', 'desc').limit(query.limit + 1);
  if (query.customerId !== undefined) q.where('customer_id', query.customerId);
  if (query.status !== undefined) q.where('status', query.status);
  if (query.beforeSeq !== undefined) q.where('seq', '<', query.beforeSeq);
  return (await q) as OrderRow[];
}

export interface StoredResponse {
  request_hash: string;
  order_id: string;
  response_status: number;
  response_body: unknown;
}

export async function findIdempotencyKey(db: Knex, key: string): Promise<StoredResponse | undefined> {
  return db<StoredResponse & { key: string }>('idempotency_keys').where({ key }).first();
}

/**
 * CANCELLING orders whose wait is over (compensationWaitMs: the retry wait, doubled with
 * each ask); `updated_at < now - retry` first, so the partial index bounds the scan.
 */
const STALE_CANCELLATION = `status = 'CANCELLING' and updated_at < ? and updated_at < ?::timestamptz - ?::bigint * (2 ^ least(compensation_requests, ${COMPENSATION_BACKOFF_MAX_EXPONENT})) * interval '1 millisecond'`;
const staleBindings = (now: Date, retryMs: number) => [new Date(now.getTime() - retryMs), now, retryMs];

/**
 * Whether a sweep has anything to do: an open order past its deadline (bound: now), a
 * cancellation not confirmed since a moment (bound: that moment). The statuses are literals,
 * so the conditions imply the partial indexes' predicates and the check reads only them.
 */
export const SWEEP_DUE_SQL = `select
  exists (select 1 from orders where status in (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')}) and deadline_at < ?) as overdue,
  exists (select 1 from orders where ${STALE_CANCELLATION}) as stale`;

/** See SWEEP_DUE_SQL: one statement outside a transaction, so an idle sweep locks nothing. */
export async function sweepDue(db: Knex, now: Date, retryMs: number): Promise<{ overdue: boolean; stale: boolean }> {
  const { rows } = await preparedRaw<{ rows: { overdue: boolean; stale: boolean }[] }>(db, SWEEP_DUE_SQL, [now, ...staleBindings(now, retryMs)]);
  return rows[0]!;
}

/** Open orders past their deadline, locked; replicas skip each other's rows. */
export async function lockOverdueOrders(trx: Knex.Transaction, now: Date, limit: number): Promise<OrderRow[]> {
  return trx<OrderRow>('orders')
    .whereIn('status', OPEN_STATUSES)
    .andWhere('deadline_at', '<', now)
    .orderBy('deadline_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
}

/** CANCELLING orders whose compensation has not been confirmed in their wait (STALE_CANCELLATION), locked. */
export async function lockStaleCancellations(trx: Knex.Transaction, now: Date, retryMs: number, limit: number): Promise<OrderRow[]> {
  return trx<OrderRow>('orders')
    .whereRaw(STALE_CANCELLATION, staleBindings(now, retryMs))
    .orderBy('updated_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
}

/** What the pruner may delete: idempotency keys past their retention. */
export const orderPruning = (config: OrderConfig): PruneTarget[] => [
  { table: 'idempotency_keys', timeColumn: 'created_at', retentionMs: config.idempotencyKeyRetentionMs },
];
