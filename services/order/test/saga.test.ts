import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { type EventPayload, type EventType } from '@orders/contracts';
import { createEvent, type SagaEvent } from '@orders/messaging';
import { decideOrder, isOpen, OPEN_STATUSES, ORDER_OUTCOME_TYPES, ORDER_STATUSES, playOrderEvents, type OrderSagaState, type OrderStatus } from '../src/domain.js';

const ORDER = randomUUID();
const state = (status: OrderStatus, more: Partial<OrderSagaState> = {}): OrderSagaState => ({
  id: ORDER,
  status,
  reason: null,
  items: [{ sku: 'A', quantity: 2, unitPriceCents: null }],
  total_cents: null,
  inventory_released: false,
  payment_settled: false,
  ...more,
});
const event = <T extends EventType>(type: T, payload: EventPayload<T>, orderId = ORDER): SagaEvent =>
  createEvent(type, { orderId, correlationId: 'c', payload }) as SagaEvent;

const reserved = event('InventoryReserved', { customerId: 'alice', items: [{ sku: 'A', quantity: 2, unitPriceCents: 150 }], totalCents: 300 });
const rejected = event('InventoryRejected', { reason: 'OUT_OF_STOCK', skus: ['A'] });
const completed = event('PaymentCompleted', { customerId: 'alice', amountCents: 300 });
const failed = event('PaymentFailed', { customerId: 'alice', amountCents: 300, reason: 'INSUFFICIENT_FUNDS' });
const released = event('InventoryReleased', { items: [{ sku: 'A', quantity: 2 }] });
const refunded = event('PaymentRefunded', { customerId: 'alice', refundedCents: 300 });

/** The status each outcome leads to from each status (null: no change of status). */
function statusAfter(from: OrderStatus, e: SagaEvent, more: Partial<OrderSagaState> = {}): OrderStatus | null {
  const change = decideOrder(state(from, more), e);
  return change?.status ?? null;
}

describe('order saga domain (pure): every outcome from every status', function () {
  it('only PENDING and RESERVED are open (they time out and can still move on their own)', function () {
    expect(OPEN_STATUSES).to.deep.equal(['PENDING', 'RESERVED']);
    expect(ORDER_STATUSES.filter(isOpen)).to.deep.equal(['PENDING', 'RESERVED']);
  });

  it('follows six outcome events', function () {
    expect([...ORDER_OUTCOME_TYPES].sort()).to.deep.equal(
      ['InventoryReleased', 'InventoryRejected', 'InventoryReserved', 'PaymentCompleted', 'PaymentFailed', 'PaymentRefunded'].sort(),
    );
    expect(decideOrder(state('PENDING'), event('OrderCreated', { customerId: 'alice', items: [{ sku: 'A', quantity: 1 }] }))).to.equal(null);
  });

  it('InventoryReserved: PENDING → RESERVED with the priced lines and total; later statuses keep their status', function () {
    expect(decideOrder(state('PENDING'), reserved)).to.deep.equal({
      items: [{ sku: 'A', quantity: 2, unitPriceCents: 150 }],
      total_cents: 300,
      status: 'RESERVED',
    });
    for (const from of ['RESERVED', 'CONFIRMED', 'CANCELLING', 'CANCELLED'] as const) {
      const change = decideOrder(state(from), reserved);
      expect(change?.status, from).to.equal(undefined);
      expect(change?.total_cents, from).to.equal(300); // a late reservation still records the prices
    }
  });

  it('InventoryRejected: an open order → REJECTED with the reason; anything else unchanged', function () {
    expect(decideOrder(state('PENDING'), rejected)).to.deep.equal({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(statusAfter('RESERVED', rejected)).to.equal('REJECTED');
    for (const from of ['CONFIRMED', 'REJECTED', 'CANCELLING', 'CANCELLED'] as const) expect(decideOrder(state(from), rejected), from).to.equal(null);
  });

  it('PaymentCompleted: an open order → CONFIRMED; a CANCELLING one stays (the cancel came first and is compensated)', function () {
    expect(statusAfter('RESERVED', completed)).to.equal('CONFIRMED');
    expect(statusAfter('PENDING', completed)).to.equal('CONFIRMED'); // before its InventoryReserved arrived
    for (const from of ['CONFIRMED', 'REJECTED', 'CANCELLING', 'CANCELLED'] as const) expect(decideOrder(state(from), completed), from).to.equal(null);
  });

  it('PaymentFailed: an open order → CANCELLED with the reason; a CANCELLING one has its payment settled', function () {
    expect(decideOrder(state('RESERVED'), failed)).to.deep.equal({ status: 'CANCELLED', reason: 'INSUFFICIENT_FUNDS', payment_settled: true });
    expect(decideOrder(state('CANCELLING'), failed)).to.deep.equal({ payment_settled: true });
    expect(decideOrder(state('CANCELLING', { inventory_released: true }), failed)).to.deep.equal({ payment_settled: true, status: 'CANCELLED' });
    for (const from of ['CONFIRMED', 'REJECTED', 'CANCELLED'] as const) expect(decideOrder(state(from), failed), from).to.equal(null);
  });

  it('a CANCELLING order ends CANCELLED once stock is released and payment settled, in either order', function () {
    expect(decideOrder(state('CANCELLING'), released)).to.deep.equal({ inventory_released: true });
    expect(decideOrder(state('CANCELLING'), refunded)).to.deep.equal({ payment_settled: true });
    expect(statusAfter('CANCELLING', released, { payment_settled: true })).to.equal('CANCELLED');
    expect(statusAfter('CANCELLING', refunded, { inventory_released: true })).to.equal('CANCELLED');
    for (const from of ['PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED'] as const) {
      expect(decideOrder(state(from), released), from).to.equal(null);
      expect(decideOrder(state(from), refunded), from).to.equal(null);
    }
  });
});

describe('order saga domain (pure): runs of events', function () {
  const play = (from: OrderStatus, events: SagaEvent[], more: Partial<OrderSagaState> = {}) => {
    const states = new Map([[ORDER, state(from, more)]]);
    const result = playOrderEvents(states, events);
    return { final: states.get(ORDER)!, ...result };
  };

  it('the happy path: PENDING → RESERVED → CONFIRMED, with a note per status change', function () {
    const { final, changed, record } = play('PENDING', [reserved, completed]);
    expect(final.status).to.equal('CONFIRMED');
    expect(final.total_cents).to.equal(300);
    expect(changed.get(ORDER)).to.equal(final);
    expect(record.notes.map((n) => [n.message, n.fields])).to.deep.equal([
      ['order status changed', { from: 'PENDING', to: 'RESERVED', reason: null }],
      ['order status changed', { from: 'RESERVED', to: 'CONFIRMED', reason: null }],
    ]);
    expect(record.emits).to.deep.equal([]);
  });

  it('out of order: the payment outcome before the reservation still ends CONFIRMED with the prices', function () {
    const { final, record, changed } = play('PENDING', [completed, reserved]);
    expect(final).to.include({ status: 'CONFIRMED', total_cents: 300 });
    expect(changed.get(ORDER)).to.equal(final);
    // The late reservation changes the prices but not the status: no second note.
    expect(record.notes).to.have.length(1);
  });

  it('duplicates change nothing more', function () {
    const once = play('PENDING', [reserved, completed]).final;
    const twice = play('PENDING', [reserved, completed, completed, reserved]).final;
    expect(twice).to.deep.equal(once);
  });

  it('cancel against confirm: cancelled first, a late PaymentCompleted does not confirm; compensation ends it CANCELLED', function () {
    const { final } = play('CANCELLING', [completed, refunded, released], { reason: 'CUSTOMER_REQUEST' });
    expect(final).to.include({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', inventory_released: true, payment_settled: true });
  });

  it('a timed-out order (CANCELLING, TIMEOUT) ends CANCELLED when its late reservation and payment are compensated', function () {
    const { final } = play('CANCELLING', [reserved, completed, released, refunded], { reason: 'TIMEOUT' });
    expect(final).to.include({ status: 'CANCELLED', reason: 'TIMEOUT' });
  });

  it('a rejected order stays rejected whatever comes late', function () {
    const { final, changed } = play('REJECTED', [completed, failed, released, refunded], { reason: 'OUT_OF_STOCK' });
    expect(final.status).to.equal('REJECTED');
    expect(changed.size).to.equal(0);
  });

  it('an event for an order it does not know is noted as a warning and changes nothing', function () {
    const states = new Map([[ORDER, state('PENDING')]]);
    const { changed, record } = playOrderEvents(states, [event('PaymentCompleted', { customerId: 'x', amountCents: 1 }, randomUUID())]);
    expect(changed.size).to.equal(0);
    expect(record.notes).to.have.length(1);
    expect(record.notes[0]).to.include({ level: 'warn', message: 'event for an unknown order ignored' });
  });
});
