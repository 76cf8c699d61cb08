import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from '@orders/shared';
import { createTestDatabase, silentLogger } from '@orders/shared/testing';
import type { OrderStatus } from '../src/domain.js';
import { orderMigrations } from '../src/migrations.js';
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

    const sweeper = new SagaSweeper(db, silentLogger, { intervalMs: 1000, compensationRetryMs: RETRY_MS });
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
});
