import { badRequest, notFound } from '@orders/platform';
import { jsonBody, parse, type ServiceDeps } from '@orders/runtime';
import { type Express } from 'express';
import { cancelOrder, OrderPlacement } from './commands.js';
import type { OrderConfig } from './config.js';
import { findOrder, listOrders, toOrder } from './repository.js';
import { IdempotencyKey, ListQuery, OrderId, PlaceOrderBody } from './schemas.js';
import { readTimeline } from './timeline.js';

const DEFAULT_PAGE = 20;

const encodeCursor = (seq: number | string) => Buffer.from(`s:${seq}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^s:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badRequest('INVALID_CURSOR', 'cursor is not one this service issued');
  return Number(match[1]);
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function orderRoutes(app: Express, { db, config, logger, outbox }: ServiceDeps<OrderConfig>): void {
  const placement = new OrderPlacement(db, outbox, config.sagaTimeoutMs, config.batchIntervalMs);
  app.post('/orders', async (req, res) => {
    const input = jsonBody(PlaceOrderBody, req.body);
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
    const query = parse(ListQuery, req.query, 'query');
    const { rows, more } = await listOrders(db, {
      customerId: query.customerId,
      status: query.status,
      limit: query.limit ?? DEFAULT_PAGE,
      beforeSeq: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const last = rows.at(-1);
    res.json({ items: rows.map(toOrder), nextCursor: more && last ? encodeCursor(last.seq) : null });
  });

  app.get('/orders/:id', async (req, res) => {
    const id = parse(OrderId, req.params.id, 'order id');
    const row = await findOrder(db, id);
    if (!row) throw notFound('order', id);
    res.json(toOrder(row));
  });

  app.get('/orders/:id/timeline', async (req, res) => {
    const id = parse(OrderId, req.params.id, 'order id');
    const row = await findOrder(db, id);
    if (!row) throw notFound('order', id);
    res.json({ order: toOrder(row), events: await readTimeline(db, id) });
  });

  app.post('/orders/:id/cancel', async (req, res) => {
    const id = parse(OrderId, req.params.id, 'order id');
    res.status(202).json(await cancelOrder(db, outbox, id, logger));
  });
}
