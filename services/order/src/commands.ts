import { createHash, randomUUID } from 'node:crypto';
import { WriteBatcher } from '@orders/db';
import { createEvent, type Emitting, type EventEnvelope, type Outbox } from '@orders/messaging';
import { AppError, conflict, keepTrace, notFound, type Logger } from '@orders/platform';
import { type Knex } from 'knex';
import { noteEvents } from './timeline.js';
import { cancellable, type Order } from './domain.js';
import { findIdempotencyKey, lockOrder, newOrders, toOrder, updateOrder, type NewOrderRow, type OrderRow } from './repository.js';

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

/** Most orders written in one statement by group commit. */
const MAX_ORDERS_PER_STATEMENT = 200;

export interface PlaceOrderOptions {
  idempotencyKey?: string | undefined;
  correlationId?: string | undefined;
}

/**
 * Places orders: each order is stored PENDING with its OrderCreated atomically,
 * in one statement. Orders placed at the same moment share that statement (group commit),
 * so under load one commit serves many. With an Idempotency-Key the order goes alone and
 * the first answer is stored in the same statement; a retry gets it back and creates
 * nothing; the same key with another body is a 409.
 */
export class OrderPlacement {
  private readonly batcher: WriteBatcher<NewOrder, true>;

  constructor(
    private readonly db: Knex,
    private readonly outbox: Outbox,
    private readonly sagaTimeoutMs: number,
    batchIntervalMs = 0,
    maxQueued?: number,
  ) {
    this.batcher = new WriteBatcher(
      async (orders) => {
        await this.store(orders);
        return orders.map(() => true as const);
      },
      // One statement at a time: the orders placed meanwhile wait and share the next, so the
      // order service sends fewer statements and its one event loop keeps up with its consumer.
      { maxBatch: MAX_ORDERS_PER_STATEMENT, maxInFlight: 1, minIntervalMs: batchIntervalMs, ...(maxQueued === undefined ? {} : { maxQueued }) },
    );
  }

  async place(input: PlaceOrderInput, options: PlaceOrderOptions = {}): Promise<PlacedOrder> {
    const key = options.idempotencyKey;
    if (key === undefined) {
      const order = this.newOrder(input, options.correlationId);
      keepTrace(order.event);
      await this.batcher.submit(order);
      return { status: 202, body: toOrder(order.row as OrderRow), replayed: false };
    }
    const hash = requestHash(input);
    const stored = await findIdempotencyKey(this.db, key);
    if (stored) return replay(stored.request_hash, hash, stored);
    const order = this.newOrder(input, options.correlationId);
    const body = toOrder(order.row as OrderRow);
    const response = { request_hash: hash, order_id: order.row.id, response_status: 202, response_body: body };
    if (!(await this.store([order], { key, response }))) {
      // A concurrent request with this key committed first: answer with theirs.
      const first = (await findIdempotencyKey(this.db, key))!;
      return replay(first.request_hash, hash, first);
    }
    return { status: 202, body, replayed: false };
  }

  /** Stores the orders with their OrderCreated; false when an idempotency key was taken first. */
  private async store(orders: NewOrder[], idempotency?: Parameters<typeof newOrders>[2]): Promise<boolean> {
    const change = newOrders(orders.map((o) => o.row), orders.map((o) => o.event), idempotency);
    const { placed } = await this.outbox.commitStatement<{ placed: string }>(this.db, change);
    return Number(placed) === orders.length;
  }

  private newOrder(input: PlaceOrderInput, correlation: string | undefined): NewOrder {
    const id = randomUUID();
    const now = new Date();
    const correlationId = correlation ?? id;
    return {
      row: {
        id,
        customer_id: input.customerId,
        status: 'PENDING',
        reason: null,
        items: input.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPriceCents: null })),
        total_cents: null,
        correlation_id: correlationId,
        inventory_released: false,
        payment_settled: false,
        deadline_at: new Date(now.getTime() + this.sagaTimeoutMs),
        created_at: now,
        updated_at: now,
      },
      event: createEvent('OrderCreated', {
        orderId: id,
        correlationId,
        payload: { customerId: input.customerId, items: input.items },
      }),
    };
  }
}

interface NewOrder {
  row: NewOrderRow;
  event: EventEnvelope<'OrderCreated'>;
}

function replay(storedHash: string, hash: string, stored: { response_status: number; response_body: unknown }): PlacedOrder {
  if (storedHash !== hash) {
    throw conflict('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body');
  }
  return { status: stored.response_status, body: stored.response_body, replayed: true };
}

/**
 * Customer cancel: PENDING, RESERVED or CONFIRMED → CANCELLING with an
 * OrderCancelled asking inventory to release and payment to refund. CANCELLING again is
 * a no-op; REJECTED and CANCELLED are final (409).
 */
export function cancelOrder(db: Knex, outbox: Outbox, id: string, log: Logger): Promise<Order> {
  return outbox.transaction(db, async (trx) => {
    const row = await lockOrder(trx, id);
    if (!row) throw notFound('order', id);
    const decision = cancellable(row.status);
    if (decision === 'final') {
      throw new AppError(409, 'ORDER_NOT_CANCELLABLE', `order is already ${row.status}`, { status: row.status });
    }
    if (decision === 'already-cancelling') return { result: toOrder(row), events: [] };
    const { result, events } = await startCancellation(trx, row, 'CUSTOMER_REQUEST');
    log.info({ orderId: id, correlationId: row.correlation_id, from: row.status }, 'order cancellation requested');
    return { result: toOrder(result), events };
  });
}

/** Moves a locked order to CANCELLING; the OrderCancelled that asks for compensation, to send with it. */
export async function startCancellation(
  trx: Knex.Transaction,
  row: OrderRow,
  reason: 'CUSTOMER_REQUEST' | 'TIMEOUT',
): Promise<Emitting<OrderRow>> {
  const updated = await updateOrder(trx, row.id, {
    status: 'CANCELLING',
    reason,
    inventory_released: false,
    payment_settled: false,
    compensation_requests: 0,
  });
  return { result: updated, events: await requestCompensation(trx, row, reason) };
}

/** The OrderCancelled that asks inventory to release and payment to refund, noted in the order's timeline. */
export async function requestCompensation(
  trx: Knex.Transaction,
  row: OrderRow,
  reason: 'CUSTOMER_REQUEST' | 'TIMEOUT',
): Promise<EventEnvelope[]> {
  const event = createEvent('OrderCancelled', {
    orderId: row.id,
    correlationId: row.correlation_id,
    payload: { customerId: row.customer_id, reason },
  });
  await noteEvents(trx, [event]);
  return [event];
}
