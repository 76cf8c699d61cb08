import { notFound } from '@orders/platform';
import { asCustomer, asOwnerOrOperator, callerOf, decodeCursor, jsonBody, PAGE_LIMIT_DEFAULT, pageOf, parse, type ServiceDeps } from '@orders/runtime';
import { type Express, type Request } from 'express';
import type { Knex } from 'knex';
import { cancelOrder, OrderPlacement } from './commands.js';
import type { OrderConfig } from './config.js';
import { findOrder, listOrders, toOrder } from './repository.js';
import { IdempotencyKey, ListQuery, OrderId, PlaceOrderBody } from './schemas.js';
import { readTimeline } from './timeline.js';

/** The list of orders is ordered by `seq`: a cursor holds the last one's. */
const CURSOR = 's';

/** An order the caller may see: its customer's, or any for an operator (404, then 403). */
async function ownOrder(req: Request, db: Knex, id: string) {
  const row = await findOrder(db, id);
  if (!row) throw notFound('order', id);
  asOwnerOrOperator(req, row.customer_id);
  return row;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function orderRoutes(app: Express, { db, config, logger, outbox }: ServiceDeps<OrderConfig>): void {
  const placement = new OrderPlacement(db, outbox, config.sagaTimeoutMs, config.batchIntervalMs, config.placementQueueMax);
  app.post('/orders', async (req, res) => {
    callerOf(req);
    const input = jsonBody(PlaceOrderBody, req.body);
    // The body's customer is the one charged: only that customer may place the order.
    asCustomer(req, input.customerId);
    const rawKey = header(req.headers['idempotency-key']);
    const idempotencyKey = rawKey === undefined ? undefined : parse(IdempotencyKey, rawKey, 'Idempotency-Key header');
    const correlation = header(req.headers['x-correlation-id']);
    const answer = await placement.place(input, {
      idempotencyKey,
      correlationId: correlation && /^[\x21-\x7e]{1,200}$/.test(correlation) ? correlation : undefined,
    });
    if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(answer.status).json(answer.body);
  });

  app.get('/orders', async (req, res) => {
    const caller = callerOf(req);
    const query = parse(ListQuery, req.query, 'query');
    // A customer sees its own orders, whether it names itself or not.
    const customerId = query.customerId ?? (caller.role === 'customer' ? caller.subject : undefined);
    if (customerId !== undefined) asOwnerOrOperator(req, customerId);
    const limit = query.limit ?? PAGE_LIMIT_DEFAULT;
    const rows = await listOrders(db, {
      customerId,
      status: query.status,
      limit,
      beforeSeq: query.cursor === undefined ? undefined : Number(decodeCursor(CURSOR, query.cursor, (seq) => /^\d{1,18}$/.test(seq))),
    });
    const page = pageOf(rows, limit, (row) => row.seq, CURSOR);
    res.json({ items: page.items.map(toOrder), nextCursor: page.nextCursor });
  });

  app.get('/orders/:id', async (req, res) => {
    callerOf(req);
    const id = parse(OrderId, req.params.id, 'order id');
    res.json(toOrder(await ownOrder(req, db, id)));
  });

  app.get('/orders/:id/timeline', async (req, res) => {
    callerOf(req);
    const id = parse(OrderId, req.params.id, 'order id');
    res.json({ order: toOrder(await ownOrder(req, db, id)), events: await readTimeline(db, id) });
  });

  app.post('/orders/:id/cancel', async (req, res) => {
    callerOf(req);
    const id = parse(OrderId, req.params.id, 'order id');
    await ownOrder(req, db, id);
    res.status(202).json(await cancelOrder(db, outbox, id, logger));
  });
}
