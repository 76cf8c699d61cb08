import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Outbox } from '@orders/messaging';
import { type Knex } from 'knex';
import { createTestDatabase, silentLogger } from '@orders/testing';
import { compensationWaitMs, type OrderStatus } from '../src/domain.js';
import { orderMigrations } from '../src/migrations.js';
import { SWEEP_DUE_SQL } from '../src/repository.js';
import { SagaSweeper } from '../src/saga-sweeper.js';

describe('order: the saga sweeper against real PostgreSQL (timeouts and compensation re-requests)', function () {
  this.timeout(30000);
  let db: Knex;
  let drop: () => Promise<void>;
  const now = new Date();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const RETRY_MS = 60_000;

  before(async function () {
    ({ db, drop } = await createTestDatabase(orderMigrations));
  });
  after(async function () {
    await drop?.();
  });

  async function order(status: OrderStatus, deadline: Date, updated: Date, reason: string | null = null): Promise<string> {
    const id = randomUUID();
    await db('orders').insert({
      id,
      customer_id: 'alice',
      status,
      reason,
      items: JSON.stringify([{ sku: 'A', quantity: 1, unitPriceCents: null }]),
      total_cents: null,
      correlation_id: `corr-${id}`,
      deadline_at: deadline,
      created_at: ago(10 * 60_000),
      updated_at: updated,
    });
    return id;
  }
  const MAX_REQUESTS = 3;
  const stalled = { count: 0, inc() { this.count++; } };
  const sweeperOf = () =>
    new SagaSweeper(db, new Outbox(), silentLogger, { intervalMs: 1000, compensationRetryMs: RETRY_MS, compensationMaxRequests: MAX_REQUESTS, stalled });
  const cancellationsOf = async (id: string) =>
    (await db('outbox').where({ message_key: id, event_type: 'OrderCancelled' }).select('envelope')).map((r) => r.envelope.payload.reason);

  it('moves exactly the overdue open orders and the stale cancellations, each with one OrderCancelled', async function () {
    const past = ago(1000);
    const future = new Date(now.getTime() + 3_600_000);
    const overduePending = await order('PENDING', past, ago(5000));
    const overdueReserved = await order('RESERVED', past, ago(5000));
    const stale = await order('CANCELLING', past, ago(RETRY_MS + 1000), 'CUSTOMER_REQUEST');
    const staleTimeout = await order('CANCELLING', past, ago(RETRY_MS + 1000), 'TIMEOUT');
    const untouched = {
      pendingInTime: await order('PENDING', future, now),
      reservedInTime: await order('RESERVED', future, now),
      confirmed: await order('CONFIRMED', past, ago(RETRY_MS + 1000)),
      rejected: await order('REJECTED', past, ago(RETRY_MS + 1000), 'OUT_OF_STOCK'),
      cancelled: await order('CANCELLED', past, ago(RETRY_MS + 1000), 'TIMEOUT'),
      recentlyCancelling: await order('CANCELLING', past, ago(1000), 'CUSTOMER_REQUEST'),
    };
    const before = new Map((await db('orders').select('id', 'status', 'reason', 'updated_at')).map((r) => [r.id, r]));

    const sweeper = sweeperOf();
    expect(await sweeper.sweep(now)).to.equal(4);

    for (const id of [overduePending, overdueReserved]) {
      expect(await db('orders').where({ id }).first('status', 'reason', 'inventory_released', 'payment_settled')).to.deep.equal({
        status: 'CANCELLING',
        reason: 'TIMEOUT',
        inventory_released: false,
        payment_settled: false,
      });
      expect(await cancellationsOf(id)).to.deep.equal(['TIMEOUT']);
    }
    expect(await cancellationsOf(stale)).to.deep.equal(['CUSTOMER_REQUEST']);
    expect(await cancellationsOf(staleTimeout)).to.deep.equal(['TIMEOUT']);
    const restarted = await db('orders').where({ id: stale }).first('status', 'updated_at');
    expect(restarted.status).to.equal('CANCELLING');
    expect(restarted.updated_at.getTime(), 'its retry clock restarts').to.be.greaterThan(before.get(stale)!.updated_at.getTime());
    for (const [what, id] of Object.entries(untouched)) {
      const prior = before.get(id)!;
      expect(await db('orders').where({ id }).first('status', 'reason', 'updated_at'), what).to.deep.equal({
        status: prior.status,
        reason: prior.reason,
        updated_at: prior.updated_at,
      });
      expect(await cancellationsOf(id), what).to.deep.equal([]);
    }

    // A second pass at the same moment finds nothing more to do: no second event for anyone.
    expect(await sweeper.sweep(now)).to.equal(0);
    expect(await db('outbox').where({ event_type: 'OrderCancelled' }).count({ n: '*' })).to.deep.equal([{ n: '4' }]);
  });

  /** The SQL the sweeper sends during `work`, as knex reports it. */
  async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
    const sent: string[] = [];
    const listener = (q: { sql: string }) => sent.push(q.sql.trim().toLowerCase());
    db.on('query', listener);
    try {
      await work();
    } finally {
      db.off('query', listener);
    }
    return sent;
  }

  it('a pass with nothing due is one statement: no transaction, no row locked', async function () {
    const sweeper = sweeperOf();
    let acted = -1;
    const sent = await statementsDuring(async () => (acted = await sweeper.sweep(now)));
    expect(acted).to.equal(0);
    expect(sent).to.have.length(1);
    expect(sent[0]!.replace(/\$\d+/g, '?')).to.equal(SWEEP_DUE_SQL.toLowerCase());
  });

  it('a stale cancellation alone is asked for again, without a pass over open orders', async function () {
    const stale = await order('CANCELLING', ago(1000), ago(RETRY_MS + 5000), 'CUSTOMER_REQUEST');
    const sweeper = sweeperOf();
    let acted = -1;
    const sent = await statementsDuring(async () => (acted = await sweeper.sweep(now)));
    expect(acted).to.equal(1);
    expect(await cancellationsOf(stale)).to.deep.equal(['CUSTOMER_REQUEST']);
    expect(sent.filter((q) => /deadline_at/.test(q) && /for update/.test(q)), 'the overdue orders were not locked').to.deep.equal([]);
  });

  it('asks again after the retry wait, then after twice as long each time; after the last ask it stalls the order (counted) and asks no more', async function () {
    // The orders of the tests before are ended, so only this one is due in the hours simulated here.
    await db('orders').whereNotIn('status', ['CONFIRMED', 'REJECTED', 'CANCELLED']).update({ status: 'CANCELLED' });
    const id = await order('CANCELLING', ago(1000), now, 'CUSTOMER_REQUEST');
    const sweeper = sweeperOf();
    // The wait since the last ask before each follow-up: 1, 2, 4 times the retry wait, then the stall;
    // the query (SQL) and the domain's compensationWaitMs must agree on each.
    let clock = now.getTime();
    const asks: number[] = [];
    for (const [requests, factor] of [[0, 1], [1, 2], [2, 4]] as const) {
      expect(compensationWaitMs(requests, RETRY_MS), `the domain's wait after ${requests} asks`).to.equal(factor * RETRY_MS);
      const lastAsk = (await db('orders').where({ id }).first('updated_at')).updated_at.getTime();
      // Just before its wait is over: nothing; just after: asked again.
      expect(await sweeper.sweep(new Date(lastAsk + factor * RETRY_MS - 1000)), `before ${factor}× the wait`).to.equal(0);
      clock = lastAsk + factor * RETRY_MS + 1000;
      // updated_at is set by the database clock; move it to the simulated moment of the ask.
      expect(await sweeper.sweep(new Date(clock)), `after ${factor}× the wait`).to.equal(1);
      await db('orders').where({ id }).update({ updated_at: new Date(clock) });
      asks.push((await cancellationsOf(id)).length);
    }
    expect(asks).to.deep.equal([1, 2, 3]);
    expect(await db('orders').where({ id }).first('status', 'compensation_requests')).to.deep.equal({ status: 'CANCELLING', compensation_requests: 3 });
    const before = stalled.count;
    expect(compensationWaitMs(3, RETRY_MS)).to.equal(8 * RETRY_MS);
    expect(await sweeper.sweep(new Date(clock + 8 * RETRY_MS - 1000))).to.equal(0);
    expect(await sweeper.sweep(new Date(clock + 8 * RETRY_MS + 1000))).to.equal(1);
    expect((await db('orders').where({ id }).first('status')).status).to.equal('CANCEL_STALLED');
    expect(await cancellationsOf(id), 'no fourth ask').to.have.length(3);
    expect(stalled.count - before).to.equal(1);
    // Stalled orders are left alone: no more asks, however long it waits.
    expect(await sweeper.sweep(new Date(clock + 1000 * RETRY_MS))).to.equal(0);
    expect(await cancellationsOf(id)).to.have.length(3);
  });

  it('the check for work can use the two partial indexes (its conditions imply their predicates)', async function () {
    const plan = await db.transaction(async (trx) => {
      await trx.raw('set local enable_seqscan = off');
      const { rows } = await trx.raw(`explain ${SWEEP_DUE_SQL}`, [now, ago(RETRY_MS), now, RETRY_MS]);
      return rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).to.match(/orders_open_deadline/);
    expect(plan).to.match(/orders_cancelling/);
  });
});
