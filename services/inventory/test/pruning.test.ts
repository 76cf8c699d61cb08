import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Pruner } from '@orders/db';
import { type Knex } from 'knex';
import { createTestDatabase, silentLogger } from '@orders/testing';
import { loadInventoryConfig } from '../src/config.js';
import { inventoryMigrations } from '../src/migrations.js';
import { inventoryPruning } from '../src/repository.js';

describe('inventory: pruning (real PostgreSQL)', function () {
  let db: Knex;
  let drop: () => Promise<void>;
  before(async function () {
    ({ db, drop } = await createTestDatabase(inventoryMigrations));
  });
  after(async function () {
    await drop?.();
  });

  it('deletes released and rejected reservations past the retention; sold and held ones stay, whatever their age', async function () {
    const config = loadInventoryConfig({});
    const old = new Date(Date.now() - config.retention.inboxMs - 60_000);
    const row = (status: string, updated_at: Date) => ({ order_id: randomUUID(), status, items: '[]', updated_at });
    await db('reservations').insert([row('RELEASED', old), row('REJECTED', old), row('SOLD', old), row('RESERVED', old), row('RELEASED', new Date())]);
    const pruned = await new Pruner(db, silentLogger, inventoryPruning(config), 60000).prune();
    expect(pruned).to.deep.equal({ reservations: 2 });
    expect((await db('reservations').select('status').orderBy('status')).map((r) => r.status)).to.deep.equal(['RELEASED', 'RESERVED', 'SOLD']);
  });
});
