import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Pruner } from '@orders/db';
import { type Knex } from 'knex';
import { createTestDatabase, silentLogger } from '@orders/testing';
import { loadOrderConfig } from '../src/config.js';
import { orderMigrations } from '../src/migrations.js';
import { orderPruning } from '../src/repository.js';

describe('order: pruning (real PostgreSQL)', function () {
  let db: Knex;
  let drop: () => Promise<void>;
  before(async function () {
    ({ db, drop } = await createTestDatabase(orderMigrations));
  });
  after(async function () {
    await drop?.();
  });

  it('forgets Idempotency-Keys after IDEMPOTENCY_KEY_RETENTION_MS; orders stay', async function () {
    const config = loadOrderConfig({ IDEMPOTENCY_KEY_RETENTION_MS: '3600000' });
    const key = (created_at: Date) => ({
      key: randomUUID(),
      request_hash: 'h',
      order_id: randomUUID(),
      response_status: 201,
      response_body: '{}',
      created_at,
    });
    await db('idempotency_keys').insert([key(new Date(Date.now() - 2 * 3600000)), key(new Date())]);
    const pruned = await new Pruner(db, silentLogger, orderPruning(config), 60000).prune();
    expect(pruned).to.deep.equal({ idempotency_keys: 1 });
    expect(orderPruning(config).map((t) => t.table), 'orders are business records').to.deep.equal(['idempotency_keys']);
  });
});
