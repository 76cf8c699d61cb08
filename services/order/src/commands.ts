import { createHash, randomUUID } from 'node:crypto';
import { AppError, conflict, createEvent, enqueueEvent, notFound, type Knex, type Logger } from '@orders/shared';
import { cancellable, type Order } from './domain.js';
import {
  claimIdempotencyKey,
  findIdempotencyKey,
  insertOrder,
  lockOrder,
  toOrder,
  updateOrder,
  type OrderRow,
} from './repository.js';

export interface PlaceOrderInput {
  customerId: string;
  items: { sku: string; quantity: number }[];
}

export interface PlacedOrder {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** Same request, same hash, whatever the key order of its JSON. */
function requestHash(input: PlaceOrderInput): string {
  const canonical = JSON.stringify({
    customerId: input.customerId,
    items: input.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Stores the order PENDING and its OrderCreated in one transaction (SPEC §2.1). With an
 * Idempotency-Key the first answer is stored in the same transaction; a retry gets it
 * back and creates nothing; the same key with another body is a 409.
 */
export async function placeOrder(
  db: Knex,
  input: PlaceOrderInput,
  options: { idempotencyKey?: string | undefined; correlationId?: string | undefined; sagaTimeoutMs: number },
): Promise<PlacedOrder> {
  const hash = requestHash(input);
  if (options.idempotencyKey) {
    const stored = await findIdempotencyKey(db, options.idempotencyKey);
    if (stored) return replay(stored.request_hash, hash, stored);
  }
  const id = randomUUID();
  const now = new Date();
  const correlationId = options.correlationId ?? id;
  return db.transaction(async (trx) => {
    const row = await insertOrder(trx, {
      id,
      customer_id: input.customerId,
      status: 'PENDING',
      reason: null,
      items: input.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPriceCents: null })),
      total_cents: null,
      correlation_id: correlationId,
      inventory_released: false,
      payment_settled: false,
      deadline_at: new Date(now.getTime() + options.sagaTimeoutMs),
      created_at: now,
      updated_at: now,
    });
    const order = toOrder(row);
    if (options.idempotencyKey) {
      const claimed = await claimIdempotencyKey(trx, options.idempotencyKey, {
        request_hash: hash,
        order_id: id,
        response_status: 202,
        response_body: order,
      });
      if (!claimed) {
        // A concurrent request with this key committed first: undo ours, answer with theirs.
        const stored = (await findIdempotencyKey(trx, options.idempotencyKey))!;
        throw new ReplayInstead(replay(stored.request_hash, hash, stored));
      }
    }
    await enqueueEvent(
      trx,
      createEvent('OrderCreated', {
        orderId: id,
        correlationId,
        payload: { customerId: input.customerId, items: input.items },
      }),
    );
    return { status: 202, body: order, replayed: false };
  }).catch((error: unknown) => {
    if (error instanceof ReplayInstead) return error.answer;
    throw error;
  });
}

class ReplayInstead extends Error {
  constructor(readonly answer: PlacedOrder) {
    super('replay the stored answer');
  }
}

function replay(storedHash: string, hash: string, stored: { response_status: number; response_body: unknown }): PlacedOrder {
  if (storedHash !== hash) {
    throw conflict('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body');
  }
  return { status: stored.response_status, body: stored.response_body, replayed: true };
}

/**
 * Customer cancel (SPEC §2.5): PENDING, RESERVED or CONFIRMED → CANCELLING with an
 * OrderCancelled asking inventory to release and payment to refund. CANCELLING again is
 * a no-op; REJECTED and CANCELLED are final (409).
 */
export async function cancelOrder(db: Knex, id: string, log: Logger): Promise<Order> {
  return db.transaction(async (trx) => {
    const row = await lockOrder(trx, id);
    if (!row) throw notFound('order', id);
    const decision = cancellable(row.status);
    if (decision === 'final') {
      throw new AppError(409, 'ORDER_NOT_CANCELLABLE', `order is already ${row.status}`, { status: row.status });
    }
    if (decision === 'already-cancelling') return toOrder(row);
    const updated = await startCancellation(trx, row, 'CUSTOMER_REQUEST');
    log.info({ orderId: id, correlationId: row.correlation_id, from: row.status }, 'order cancellation requested');
    return toOrder(updated);
  });
}

/** Moves a locked order to CANCELLING and asks for compensation. */
export async function startCancellation(
  trx: Knex.Transaction,
  row: OrderRow,
  reason: 'CUSTOMER_REQUEST' | 'TIMEOUT',
): Promise<OrderRow> {
  const updated = await updateOrder(trx, row.id, {
    status: 'CANCELLING',
    reason,
    inventory_released: false,
    payment_settled: false,
  });
  await requestCompensation(trx, row, reason);
  return updated;
}

export async function requestCompensation(
  trx: Knex.Transaction,
  row: OrderRow,
  reason: 'CUSTOMER_REQUEST' | 'TIMEOUT',
): Promise<void> {
  await enqueueEvent(
    trx,
    createEvent('OrderCancelled', {
      orderId: row.id,
      correlationId: row.correlation_id,
      payload: { customerId: row.customer_id, reason },
    }),
  );
}
