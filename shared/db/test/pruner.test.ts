import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { Pruner } from '../src/pruner.js';
import { inboxPruning, PROCESSED_MESSAGES_TABLE } from '@orders/messaging';
import { createTestDatabase, silentLogger, waitFor } from '@orders/testing';

const DAY = 86_400_000;

describe('pruner (real PostgreSQL)', function () {
  this.timeout(30000);
  let db: Knex;
  let drop: () => Promise<void>;
  const now = new Date();

  before(async function () {
    ({ db, drop } = await createTestDatabase());
  });
  after(async function () {
    await drop?.();
  });

  const processed = (count: number, age: number) =>
    db.raw(
      `insert into ${PROCESSED_MESSAGES_TABLE} (consumer_group, event_id, event_type, topic, partition, "offset", processed_at)
       select 'g', gen_random_uuid(), 'OrderCreated', 't', 0, n, ?::timestamptz from generate_series(1, ?) n`,
      [new Date(now.getTime() - age), count],
    );
  const count = async (table: string) => Number((await db(table).count({ n: '*' }))[0]!.n);

  it('deletes processed-event ids past the retention, in batches, and keeps the newer ones', async function () {
    await processed(2500, 9 * DAY);
    await processed(40, 7 * DAY);
    const pruned = await new Pruner(db, silentLogger, [inboxPruning(8 * DAY)], 60000).prune(now);
    expect(pruned).to.deep.equal({ [PROCESSED_MESSAGES_TABLE]: 2500 });
    expect(await count(PROCESSED_MESSAGES_TABLE)).to.equal(40);
  });

  it('deletes only the rows its condition names', async function () {
    await db.schema.createTable('guarded', (t) => {
      t.uuid('id').primary();
      t.text('status').notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
    const old = new Date(now.getTime() - 10 * DAY);
    await db('guarded').insert([
      { id: randomUUID(), status: 'DONE', updated_at: old },
      { id: randomUUID(), status: 'OPEN', updated_at: old },
      { id: randomUUID(), status: 'DONE', updated_at: now },
    ]);
    const target = { table: 'guarded', timeColumn: 'updated_at', retentionMs: DAY, where: "status = 'DONE'" };
    expect(await new Pruner(db, silentLogger, [target], 60000).prune(now)).to.deep.equal({ guarded: 1 });
    expect((await db('guarded').select('status').orderBy('status')).map((r) => r.status)).to.deep.equal(['DONE', 'OPEN']);
  });

  it('as a worker prunes once at start, then every interval, and stops', async function () {
    await processed(5, 9 * DAY);
    const pruner = new Pruner(db, silentLogger, [inboxPruning(8 * DAY)], 200);
    pruner.start();
    await waitFor('old ids pruned', async () => (await count(PROCESSED_MESSAGES_TABLE)) === 40 || undefined);
    await processed(3, 9 * DAY);
    await waitFor('pruned again on the next tick', async () => (await count(PROCESSED_MESSAGES_TABLE)) === 40 || undefined);
    await pruner.stop();
  });
});
