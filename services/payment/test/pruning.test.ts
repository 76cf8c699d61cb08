import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Pruner } from '@orders/db';
import { type Knex } from 'knex';
import { createTestDatabase, silentLogger } from '@orders/testing';
import { loadPaymentConfig } from '../src/config.js';
import { paymentMigrations } from '../src/migrations.js';
import { paymentPruning } from '../src/repository.js';

describe('payment: pruning (real PostgreSQL)', function () {
  let db: Knex;
  let drop: () => Promise<void>;
  before(async function () {
    ({ db, drop } = await createTestDatabase(paymentMigrations));
  });
  after(async function () {
    await drop?.();
  });

  it('deletes tombstones of cancelled orders once no event of the order can come again; payments stay', async function () {
    const config = loadPaymentConfig({});
    const old = new Date(Date.now() - config.retention.inboxMs - 60_000);
    await db('cancelled_orders').insert([
      { order_id: randomUUID(), created_at: old },
      { order_id: randomUUID(), created_at: new Date() },
    ]);
    const pruned = await new Pruner(db, silentLogger, paymentPruning(config), 60000).prune();
    expect(pruned).to.deep.equal({ cancelled_orders: 1 });
    expect(Number((await db('cancelled_orders').count({ n: '*' }))[0]!.n)).to.equal(1);
    expect(paymentPruning(config).map((t) => t.table), 'payments are business records').to.not.include('payments');
  });
});
