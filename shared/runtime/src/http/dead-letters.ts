import { z } from 'zod';
import type { Router } from 'express';
import { AppError, notFound } from '@orders/platform';
import { DEAD_LETTER_ID, type DeadLetterReplay } from '@orders/messaging';
import { asOperator } from './auth.js';
import { errorResponse, jsonContent, secured } from './openapi.js';
import { decodeCursor, PAGE_LIMIT_DEFAULT, pageOf, pageQuery } from './paging.js';
import { parse } from './validate.js';

/** Newest first: a cursor holds the id of the last one of a page. */
const CURSOR = 'd';
const DeadLetterId = z.string().regex(DEAD_LETTER_ID, 'a dead letter id is a number');
const DeadLetterListQuery = z.strictObject({ ...pageQuery, all: z.enum(['true', 'false']).optional() });

/**
 * An operator's view of the messages this service could not apply: list them, and, after a
 * fix, apply one again (the consumer's own way: once, with its effects and events).
 */
export function deadLetterRoutes(router: Router, replay: DeadLetterReplay): void {
  router.get('/dead-letters', async (req, res) => {
    asOperator(req);
    const query = parse(DeadLetterListQuery, req.query, 'query');
    const limit = query.limit ?? PAGE_LIMIT_DEFAULT;
    const before = query.cursor === undefined ? undefined : decodeCursor(CURSOR, query.cursor, (id) => DeadLetterId.safeParse(id).success);
    const rows = await replay.store.list({ limit: limit + 1, before, all: query.all === 'true' });
    res.json(pageOf(rows, limit, (letter) => letter.id, CURSOR));
  });

  router.post('/dead-letters/:id/replay', async (req, res) => {
    asOperator(req);
    const id = parse(DeadLetterId, req.params.id, 'id');
    const result = await replay.replay(id);
    if (!result) throw notFound('dead letter', id);
    if (!result.replayed) throw new AppError(409, 'STILL_FAILING', `the message still cannot be applied: ${result.error.slice(0, 300)}`);
    res.json({ deadLetter: result.letter, outcome: result.outcome });
  });
}

const deadLetterSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'string' },
    eventType: { type: 'string', nullable: true },
    eventId: { type: 'string', nullable: true },
    orderId: { type: 'string', nullable: true },
    error: { type: 'string' },
    failedAt: { type: 'string', format: 'date-time' },
    replayedAt: { type: 'string', format: 'date-time', nullable: true },
  },
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/** The dead-letter operations of a saga service's OpenAPI document. */
export const deadLetterPaths = {
  '/dead-letters': {
    get: secured('operator', {
      summary: 'Messages this service could not apply, newest first (not yet replayed; all=true: every one), with cursor paging',
      parameters: ['limit', 'cursor', 'all'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
      responses: {
        '200': {
          description: 'a page of dead letters',
          ...jsonContent({ type: 'object', properties: { items: { type: 'array', items: deadLetterSchema }, nextCursor: { type: 'string', nullable: true } } }),
        },
        '400': errorResponse('invalid query'),
      },
    }),
  },
  '/dead-letters/{id}/replay': {
    post: secured('operator', {
      summary: 'Apply a dead letter again, after a fix: once, as the consumer would have (already applied: nothing happens)',
      parameters: [idParam],
      responses: {
        '200': {
          description: 'applied (processed), found applied already (duplicate), or not one this service handles (ignored)',
          ...jsonContent({ type: 'object', properties: { deadLetter: deadLetterSchema, outcome: { type: 'string', enum: ['processed', 'duplicate', 'ignored'] } } }),
        },
        '400': errorResponse('bad id'),
        '404': errorResponse('no such dead letter'),
        '409': errorResponse('STILL_FAILING: it fails again; it stays, with this error'),
      },
    }),
  },
};
