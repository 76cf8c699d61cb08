import type { Knex } from '@orders/shared';
import type { Order, OrderLine, OrderReason, OrderStatus } from './domain.js';

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
  deadline_at: Date;
  created_at: Date;
  updated_at: Date;
}

export type OrderPatch = Partial<
  Pick<OrderRow, 'status' | 'reason' | 'items' | 'total_cents' | 'inventory_released' | 'payment_settled'>
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

export async function insertOrder(trx: Knex.Transaction, row: Omit<OrderRow, 'seq'>): Promise<OrderRow> {
  const [inserted] = await trx('orders')
    .insert({ ...row, items: JSON.stringify(row.items) })
    .returning('*');
  return inserted as OrderRow;
}

export async function findOrder(db: Knex, id: string): Promise<OrderRow | undefined> {
  return db<OrderRow>('orders').where({ id }).first();
}

export async function lockOrder(trx: Knex.Transaction, id: string): Promise<OrderRow | undefined> {
  return trx<OrderRow>('orders').where({ id }).forUpdate().first();
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

/** Newest first; one extra row tells whether there is a next page. */
export async function listOrders(db: Knex, query: ListQuery): Promise<{ rows: OrderRow[]; more: boolean }> {
  const q = db<OrderRow>('orders').orderBy('seq', 'desc').limit(query.limit + 1);
  if (query.customerId !== undefined) q.where('customer_id', query.customerId);
  if (query.status !== undefined) q.where('status', query.status);
  if (query.beforeSeq !== undefined) q.where('seq', '<', query.beforeSeq);
  const rows = (await q) as OrderRow[];
  return { rows: rows.slice(0, query.limit), more: rows.length > query.limit };
}

export interface StoredResponse {
  request_hash: string;
  order_id: string;
  response_status: number;
  response_body: unknown;
}

/** Claims an idempotency key; false when another request holds it (read it with findIdempotencyKey). */
export async function claimIdempotencyKey(
  trx: Knex.Transaction,
  key: string,
  response: StoredResponse,
): Promise<boolean> {
  const inserted = await trx('idempotency_keys')
    .insert({ key, ...response, response_body: JSON.stringify(response.response_body) })
    .onConflict('key')
    .ignore()
    .returning('key');
  return inserted.length > 0;
}

export async function findIdempotencyKey(db: Knex, key: string): Promise<StoredResponse | undefined> {
  return db<StoredResponse & { key: string }>('idempotency_keys').where({ key }).first();
}

/** Open orders past their deadline, locked; replicas skip each other's rows. */
export async function lockOverdueOrders(trx: Knex.Transaction, now: Date, limit: number): Promise<OrderRow[]> {
  return trx<OrderRow>('orders')
    .whereIn('status', ['PENDING', 'RESERVED'])
    .andWhere('deadline_at', '<', now)
    .orderBy('deadline_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
}

/** CANCELLING orders whose compensation has not been confirmed since `before`, locked. */
export async function lockStaleCancellations(trx: Knex.Transaction, before: Date, limit: number): Promise<OrderRow[]> {
  return trx<OrderRow>('orders')
    .where('status', 'CANCELLING')
    .andWhere('updated_at', '<', before)
    .orderBy('updated_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
}
