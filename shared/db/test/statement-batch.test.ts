import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { Client } from 'pg';
import { inBatchedTransaction } from '../src/batched-transaction.js';
import { positional, sendBatch, statement } from '../src/statement-batch.js';
import { createTestDatabase } from '@orders/testing';

/** Counts the replies that end a round trip (ReadyForQuery) and the statements parsed, on one connection. */
function watch(client: Client) {
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  const seen = { roundTrips: 0, parsed: 0 };
  connection.on('readyForQuery', () => seen.roundTrips++);
  connection.on('parseComplete', () => seen.parsed++);
  return seen;
}

describe('statement batches and batched transactions (real PostgreSQL)', function () {
  let db: Knex;
  let drop: () => Promise<void>;

  before(async function () {
    ({ db, drop } = await createTestDatabase([]));
    await db.raw('create table notes (id uuid primary key, body jsonb, n bigint)');
  });
  after(async () => drop?.());

  /** A connection of the pool, for one test. */
  async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = (await db.client.acquireConnection()) as Client;
    try {
      return await work(client);
    } finally {
      await db.client.releaseConnection(client);
    }
  }

  it('answers every statement of a batch in one round trip, each result in order with its values parsed', async function () {
    const id = randomUUID();
    await withClient(async (client) => {
      const seen = watch(client);
      const results = await sendBatch(client, [
        statement('insert into notes (id, body, n) values (?, ?, ?) returning n', [id, JSON.stringify({ a: [1, 'x'] }), '9007199254740993']),
        statement('select id, body, n, null::text as nothing from notes where id = any(?::uuid[])', [[id, randomUUID()]]),
        statement(`select ?::int + 1 as next, '\\?'::text as escaped`, [41]),
        statement('update notes set n = n + 1 where id = ?', [randomUUID()]),
      ]);
      expect(seen.roundTrips, 'round trips').to.equal(1);
      expect(results.map((r) => [r.command, r.rowCount])).to.deep.equal([
        ['INSERT', 1],
        ['SELECT', 1],
        ['SELECT', 1],
        ['UPDATE', 0],
      ]);
      expect(results[0]!.rows).to.deep.equal([{ n: '9007199254740993' }]);
      expect(results[1]!.rows).to.deep.equal([{ id, body: { a: [1, 'x'] }, n: '9007199254740993', nothing: null }]);
      expect(results[2]!.rows).to.deep.equal([{ next: 42, escaped: '?' }]);
    });
  });

  it('parses a statement once per connection, also when the same text comes twice in one batch', async function () {
    const text = `select ?::int * 2 as doubled /* ${randomUUID()} */`;
    await withClient(async (client) => {
      const seen = watch(client);
      const first = await sendBatch(client, [statement(text, [1]), statement(text, [2])]);
      const second = await sendBatch(client, [statement(text, [3])]);
      expect([...first, ...second].map((r) => r.rows[0].doubled)).to.deep.equal([2, 4, 6]);
      expect(seen.parsed).to.equal(1);
      expect(seen.roundTrips).to.equal(2);
    });
  });

  it('stops at the first failing statement: rejects with its error, runs none after it, and leaves the connection usable', async function () {
    const before = `select ?::int as before /* ${randomUUID()} */`;
    const after = randomUUID();
    await withClient(async (client) => {
      const failing = sendBatch(client, [
        statement(before, [1]),
        statement('select 1 / ?::int', [0]),
        statement('insert into notes (id) values (?)', [after]),
      ]);
      const error = await failing.then(
        () => null,
        (e: Error & { code?: string }) => e,
      );
      expect(error?.code, 'division by zero').to.equal('22012');
      // The statement parsed before the failure is known as parsed: using it again does not parse it twice.
      const [again] = await sendBatch(client, [statement(before, [2])]);
      expect(again!.rows).to.deep.equal([{ before: 2 }]);
    });
    expect(await db('notes').where({ id: after })).to.have.length(0);
  });

  it('a batched transaction commits with its last batch, and rolls back when its work fails or never commits', async function () {
    const [kept, failed, abandoned] = [randomUUID(), randomUUID(), randomUUID()];
    const insert = (id: string) => statement('insert into notes (id, n) values (?, 1)', [id]);
    await inBatchedTransaction(db, async (tx) => {
      await tx.send([insert(kept)]);
      expect(tx.open).to.equal(true);
      await tx.commit([statement('update notes set n = n + 1 where id = ?', [kept])]);
    });
    const failure = await inBatchedTransaction(db, async (tx) => {
      await tx.send([insert(failed)]);
      await tx.commit([statement('select 1 / 0')]);
    }).then(
      () => null,
      (e: Error) => e,
    );
    expect(failure?.message).to.equal('division by zero');
    await inBatchedTransaction(db, async (tx) => {
      await tx.send([insert(abandoned)]);
    });
    const rows = await db('notes').whereIn('id', [kept, failed, abandoned]).select('id', 'n');
    expect(rows).to.deep.equal([{ id: kept, n: '2' }]);
    // Every connection went back to the pool outside a transaction.
    await Promise.all(Array.from({ length: 10 }, () => db.raw('select 1')));
    const { rows: open } = await db.raw(`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`);
    expect(open[0].n).to.equal(0);
  });

  it('plans a prepared statement once per connection, and by its index also while the table is small', async function () {
    // As a consumer locks the orders of a run: the ids of twenty orders, on a table of a few hundred rows, analyzed.
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const text = `select * from notes where id = any(?::uuid[]) order by id for update /* ${randomUUID()} */`;
    await db.raw('truncate notes');
    await db.raw(`insert into notes (id, n) select gen_random_uuid(), g from generate_series(1, 300) as g`);
    await db.raw('analyze notes');
    await withClient(async (client) => {
      for (let i = 0; i < 8; i++) await sendBatch(client, [statement(text, [ids])]);
      const { rows } = await client.query<{ generic_plans: string; custom_plans: string }>(
        `select generic_plans, custom_plans from pg_prepared_statements where statement like '%' || $1 || '%'`,
        [text.slice(-40, -3)],
      );
      expect(rows.map((r) => [Number(r.generic_plans), Number(r.custom_plans)])).to.deep.equal([[8, 0]]);
      // The plan the connection caches for it (an SQL-level twin, as EXPLAIN cannot name a protocol-level statement).
      await client.query(`prepare twin(uuid[]) as ${positional(text)}`);
      const plan = (await client.query<{ 'QUERY PLAN': string }>(`explain execute twin('{${ids.join(',')}}')`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      await client.query('deallocate twin');
      expect(plan).to.match(/Index Scan (using|on) notes_pkey/);
      expect(plan).not.to.match(/Seq Scan/);
    });
  });
});
