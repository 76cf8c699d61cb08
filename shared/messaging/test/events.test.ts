import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { EVENT_CONTRACTS, TOPICS } from '@orders/contracts';
import { createEvent, decodeEvent, InvalidEventError, validateEvent } from '../src/events/envelope.js';
import { Outbox } from '../src/outbox/outbox.js';
import { OUTBOX_TABLE } from '../src/outbox/outbox-table.js';
import { orderCreated } from '@orders/testing';
import { createTestDatabase } from '@orders/testing';

describe('event contracts', function () {
  it('builds an envelope with every field of the saga envelope', function () {
    const event = orderCreated();
    expect(event).to.have.all.keys('eventId', 'type', 'version', 'occurredAt', 'orderId', 'correlationId', 'payload');
    expect(event.version).to.equal(EVENT_CONTRACTS.OrderCreated.version);
    expect(() => new Date(event.occurredAt).toISOString()).to.not.throw();
  });

  it('round-trips every event type through its topic', function () {
    const orderId = randomUUID();
    const samples = [
      createEvent('OrderCreated', { orderId, correlationId: 'c', payload: { customerId: 'c1', items: [{ sku: 'A', quantity: 2 }] } }),
      createEvent('OrderCancelled', { orderId, correlationId: 'c', payload: { customerId: 'c1', reason: 'TIMEOUT' } }),
      createEvent('InventoryReserved', {
        orderId,
        correlationId: 'c',
        payload: { customerId: 'c1', items: [{ sku: 'A', quantity: 2, unitPriceCents: 150 }], totalCents: 300 },
      }),
      createEvent('InventoryRejected', { orderId, correlationId: 'c', payload: { reason: 'OUT_OF_STOCK', skus: ['A'] } }),
      createEvent('InventoryReleased', { orderId, correlationId: 'c', payload: { items: [{ sku: 'A', quantity: 2 }] } }),
      createEvent('PaymentCompleted', { orderId, correlationId: 'c', payload: { customerId: 'c1', amountCents: 300 } }),
      createEvent('PaymentFailed', {
        orderId,
        correlationId: 'c',
        payload: { customerId: 'c1', amountCents: 300, reason: 'INSUFFICIENT_FUNDS' },
      }),
      createEvent('PaymentRefunded', { orderId, correlationId: 'c', payload: { customerId: 'c1', refundedCents: 300 } }),
    ];
    expect(samples.map((s) => s.type)).to.have.members(Object.keys(EVENT_CONTRACTS));
    for (const sample of samples) {
      const topic = EVENT_CONTRACTS[sample.type].topic;
      expect(decodeEvent(Buffer.from(JSON.stringify(sample)), topic)).to.deep.equal(sample);
    }
  });

  it('rejects invalid events on produce', function () {
    expect(() =>
      createEvent('InventoryReserved', {
        orderId: randomUUID(),
        correlationId: 'c',
        payload: { customerId: 'c1', items: [{ sku: 'A', quantity: 1, unitPriceCents: 1.5 }], totalCents: 2 },
      }),
    ).to.throw(InvalidEventError, /payload of InventoryReserved is invalid/);
    expect(() => validateEvent({ ...orderCreated(), orderId: 'not-a-uuid' })).to.throw(InvalidEventError, /envelope/);
    expect(() => validateEvent({ ...orderCreated(), version: 2 })).to.throw(InvalidEventError, /unsupported version/);
    expect(() => validateEvent({ ...orderCreated(), extra: 1 })).to.throw(InvalidEventError);
  });

  it('refuses to put an invalid event in the outbox, leaving the transaction to roll back', async function () {
    const { db, drop } = await createTestDatabase();
    try {
      const bad = { ...orderCreated(), payload: { customerId: '', items: [] } };
      const error = await new Outbox()
        .transaction(db, async () => ({ result: undefined, events: [bad as never] }))
        .then(() => null, (e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidEventError);
      expect((await db(OUTBOX_TABLE).count({ n: '*' }))[0]!.n).to.equal('0');
    } finally {
      await drop();
    }
  });

  it('keys topics by producing service', function () {
    expect(Object.values(TOPICS)).to.deep.equal(['order-events', 'inventory-events', 'payment-events']);
  });
});
