import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { positional } from '@orders/db';
import { type Knex } from 'knex';
import { createTestDatabase } from '@orders/testing';
import { orderMigrations } from '../src/migrations.js';
import { lockOrders, saveOrders } from '../src/repository.js';

describe('order: the plans of the saga statements on a new database (real PostgreSQL, the services’ connection settings)', function () {
  this.timeout(60000);
  let db: Knex;
  let drop: () => Promise<void>;

  before(async function () {
    ({ db, drop } = await createTestDatabase(orderMigrations));
  });
  after(async () => drop?.());

  const addOrders = (trx: Knex.Transaction, n: number) =>
    trx.raw(`insert into orders (id, customer_id, status, items, correlation_id, deadline_at, created_at, updated_at)
      select gen_random_uuid(), 'c' || (g % 100), 'PENDING', '[]', 'c', now(), now(), now() from generate_series(1, ${n}) g`);

  /**
   * As on a new database: `orders` holds a few hundred rows and autovacuum has analyzed it
   * when `text` is first planned; the plan is explained then, and again (the same cached
   * plan) once the table holds 20,000 more.
   */
  async function plansBeforeAndAfterGrowth(trx: Knex.Transaction, text: string, types: string, args: string): Promise<[string, string]> {
    await trx.raw('truncate orders');
    await addOrders(trx, 300);
    await trx.raw('analyze orders');
    const name = `probe_${randomUUID().slice(0, 8)}`;
    await trx.raw(`prepare ${name}(${types}) as ${positional(text)}`);
    const plan = async () =>
      ((await trx.raw(`explain execute ${name}(${args})`)) as { rows: { 'QUERY PLAN': string }[] }).rows.map((r) => r['QUERY PLAN']).join('\n');
    const small = await plan();
    await addOrders(trx, 20000);
    return [small, await plan()];
  }

  const LOCK_ARGS = `'{${randomUUID()}}'`;

  it('locking a run of orders uses the primary key, also with the plan cached while the table was small', async function () {
    const [small, grown] = await db.transaction((trx) => plansBeforeAndAfterGrowth(trx, lockOrders([]).text, 'uuid[]', LOCK_ARGS));
    for (const plan of [small, grown]) {
      expect(plan).to.match(/Index Scan (using|on) orders_pkey/);
      expect(plan).not.to.match(/Seq Scan/);
    }
  });

  it('writing a run of orders back joins them by the primary key, not by a scan', async function () {
    const [save] = saveOrders([{ id: randomUUID() } as never], []);
    const types = 'uuid[], text[], text[], timestamptz[], timestamptz, uuid[], text[], text[], jsonb[], bigint[], boolean[], boolean[]';
    const args = `'{}', '{}', '{}', '{}', now(), ${LOCK_ARGS}, '{RESERVED}', '{NULL}', '{"[]"}', '{1}', '{f}', '{f}'`;
    const [small, grown] = await db.transaction((trx) => plansBeforeAndAfterGrowth(trx, save!.text, types, args));
    for (const plan of [small, grown]) {
      expect(plan).to.match(/Index Scan (using|on) orders_pkey/);
      expect(plan).not.to.match(/Seq Scan on orders/);
    }
  });

  it('without the setting, the plan cached on the small table scans it, and still does once it has grown: what the setting prevents', async function () {
    const [small, grown] = await db.transaction(async (trx) => {
      await trx.raw('set local enable_seqscan = on');
      return plansBeforeAndAfterGrowth(trx, lockOrders([]).text, 'uuid[]', LOCK_ARGS);
    });
    expect(small).to.match(/Seq Scan on orders/);
    expect(grown, 'the cached plan still scans after the table grew').to.match(/Seq Scan on orders/);
  });
});
