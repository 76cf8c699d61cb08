import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { type EventPayload, type EventType } from '@orders/contracts';
import { createEvent, type SagaEvent } from '@orders/messaging';
import { orderedSkus, playInventoryEvents, StockBook, type Product, type Reservation } from '../src/domain.js';
import { saveInventoryRun } from '../src/repository.js';

const event = <T extends EventType>(type: T, payload: EventPayload<T>, orderId: string): SagaEvent =>
  createEvent(type, { orderId, correlationId: 'c', payload }) as SagaEvent;
const created = (orderId: string, items: { sku: string; quantity: number }[]) => event('OrderCreated', { customerId: 'alice', items }, orderId);
const completed = (orderId: string) => event('PaymentCompleted', { customerId: 'alice', amountCents: 1 }, orderId);
const failed = (orderId: string) => event('PaymentFailed', { customerId: 'alice', amountCents: 1, reason: 'INSUFFICIENT_FUNDS' }, orderId);
const cancelled = (orderId: string) => event('OrderCancelled', { customerId: 'alice', reason: 'CUSTOMER_REQUEST' }, orderId);
const product = (sku: string, priceCents: number, available: number): Product => ({ sku, name: sku, priceCents, available, reserved: 0, sold: 0 });

function run(events: SagaEvent[], reservations = new Map<string, Reservation>()) {
  const book = new StockBook(new Map([['A', product('A', 250, 3)], ['B', product('B', 1000, 1)]]));
  const result = playInventoryEvents(events, reservations, book);
  return { book, reservations, ...result, sent: result.record.emits.map((e) => [e.type, e.payload]) };
}
const stockOf = (r: ReturnType<typeof run>, sku: string) => {
  const { available, reserved, sold } = r.book.stock.get(sku)!;
  return { available, reserved, sold };
};

describe('inventory saga domain (pure)', function () {
  const X = randomUUID();
  const Y = randomUUID();

  it('reserves every line at the catalogue price: stock moves to reserved, InventoryReserved with the total', function () {
    const r = run([created(X, [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }])]);
    expect(r.changed.get(X)).to.deep.include({ status: 'RESERVED', total_cents: 1500 });
    expect(stockOf(r, 'A')).to.deep.equal({ available: 1, reserved: 2, sold: 0 });
    expect(r.book.moves.get('B')).to.deep.equal({ available: -1, reserved: 1, sold: 0 });
    expect(r.sent[0]![0]).to.equal('InventoryReserved');
  });

  it('rejects all or nothing: unknown product first, then out of stock; nothing moves', function () {
    const r = run([created(X, [{ sku: 'A', quantity: 1 }, { sku: 'Z', quantity: 1 }]), created(Y, [{ sku: 'B', quantity: 2 }])]);
    expect(r.sent).to.deep.equal([
      ['InventoryRejected', { reason: 'UNKNOWN_PRODUCT', skus: ['Z'] }],
      ['InventoryRejected', { reason: 'OUT_OF_STOCK', skus: ['B'] }],
    ]);
    expect(r.book.moves.size).to.equal(0);
    expect(r.changed.get(X)?.status).to.equal('REJECTED');
  });

  it('within one run a later order sees the stock an earlier one took', function () {
    const r = run([created(X, [{ sku: 'B', quantity: 1 }]), created(Y, [{ sku: 'B', quantity: 1 }])]);
    expect(r.sent.map(([t]) => t)).to.deep.equal(['InventoryReserved', 'InventoryRejected']);
  });

  it('a duplicate OrderCreated reserves nothing more', function () {
    const r = run([created(X, [{ sku: 'A', quantity: 1 }]), created(X, [{ sku: 'A', quantity: 1 }])]);
    expect(stockOf(r, 'A')).to.deep.equal({ available: 2, reserved: 1, sold: 0 });
    expect(r.sent).to.have.length(1);
  });

  it('PaymentCompleted turns the reservation into a sale; PaymentFailed releases it (compensation)', function () {
    const sold = run([created(X, [{ sku: 'A', quantity: 2 }]), completed(X)]);
    expect(stockOf(sold, 'A')).to.deep.equal({ available: 1, reserved: 0, sold: 2 });
    expect(sold.changed.get(X)?.status).to.equal('SOLD');
    const released = run([created(X, [{ sku: 'A', quantity: 2 }]), failed(X)]);
    expect(stockOf(released, 'A')).to.deep.equal({ available: 3, reserved: 0, sold: 0 });
    expect(released.sent.at(-1)).to.deep.equal(['InventoryReleased', { items: [{ sku: 'A', quantity: 2 }] }]);
  });

  it('OrderCancelled releases reserved or sold stock and says what came back', function () {
    const fromReserved = run([created(X, [{ sku: 'A', quantity: 2 }]), cancelled(X)]);
    expect(stockOf(fromReserved, 'A')).to.deep.equal({ available: 3, reserved: 0, sold: 0 });
    const fromSold = run([created(X, [{ sku: 'A', quantity: 2 }]), completed(X), cancelled(X)]);
    expect(stockOf(fromSold, 'A')).to.deep.equal({ available: 3, reserved: 0, sold: 0 });
    expect(fromSold.changed.get(X)?.status).to.equal('RELEASED');
  });

  it('a cancel before the order is seen blocks a late OrderCreated; the release is confirmed empty', function () {
    const r = run([cancelled(X), created(X, [{ sku: 'A', quantity: 1 }])]);
    expect(r.sent).to.deep.equal([['InventoryReleased', { items: [] }]]);
    expect(stockOf(r, 'A')).to.deep.equal({ available: 3, reserved: 0, sold: 0 });
  });

  it('late and repeated events change no stock: payment after release, a second cancel, a cancel of a rejected order', function () {
    const r = run([created(X, [{ sku: 'A', quantity: 1 }]), cancelled(X), completed(X), failed(X), cancelled(X)]);
    expect(stockOf(r, 'A')).to.deep.equal({ available: 3, reserved: 0, sold: 0 });
    expect(r.sent.map(([t]) => t)).to.deep.equal(['InventoryReserved', 'InventoryReleased', 'InventoryReleased']);
    const rejected = run([created(Y, [{ sku: 'Z', quantity: 1 }]), cancelled(Y)]);
    expect(rejected.sent.at(-1)).to.deep.equal(['InventoryReleased', { items: [] }]);
  });

  it('notes each step for the log, with its facts', function () {
    const notes = (r: ReturnType<typeof run>) => r.record.notes.map((n) => [n.message, n.fields ?? null]);
    expect(notes(run([created(X, [{ sku: 'A', quantity: 2 }]), completed(X)]))).to.deep.equal([
      ['stock reserved', { totalCents: 500 }],
      ['reservation turned into a sale', null],
    ]);
    expect(notes(run([created(X, [{ sku: 'Z', quantity: 1 }])]))).to.deep.equal([['reservation rejected', { reason: 'UNKNOWN_PRODUCT', skus: ['Z'] }]]);
    expect(notes(run([created(X, [{ sku: 'A', quantity: 1 }]), failed(X)])).at(-1)).to.deep.equal(['reservation released after failed payment', null]);
    expect(notes(run([created(X, [{ sku: 'A', quantity: 1 }]), completed(X), cancelled(X)])).at(-1)).to.deep.equal([
      'stock released for cancelled order',
      { from: 'SOLD' },
    ]);
  });

  it('asks for the SKUs of the new orders, once each', function () {
    const run = [created(X, [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }]), cancelled(Y), created(Y, [{ sku: 'A', quantity: 3 }])];
    expect(orderedSkus(run).sort()).to.deep.equal(['A', 'B']);
  });
});

describe('inventory run write-back (statement)', function () {
  it('writes no event itself and raises no NOTIFY: the step hands the run\'s events to the outbox, which commits them with it', function () {
    const write = saveInventoryRun({ moves: new Map([['A', { available: 1, reserved: -1, sold: 0 }]]), reservations: new Map() });
    expect(write.text).to.not.include('outbox');
    expect(write.text).to.not.include('pg_notify');
  });
});
