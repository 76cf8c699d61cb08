import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { type EventPayload, type EventType } from '@orders/contracts';
import { LIMITS } from '@orders/contracts';
import { createEvent, EventFailure, EventRefused, type SagaEvent } from '@orders/messaging';
import { chargedCustomers, Ledger, playPaymentEvents, type OrderPayment } from '../src/domain.js';
import { savePaymentRun } from '../src/repository.js';

const event = <T extends EventType>(type: T, payload: EventPayload<T>, orderId: string): SagaEvent =>
  createEvent(type, { orderId, correlationId: 'c', payload }) as SagaEvent;
const reserved = (orderId: string, totalCents: number, customerId = 'alice') =>
  event('InventoryReserved', { customerId, items: [{ sku: 'A', quantity: 1, unitPriceCents: totalCents }], totalCents }, orderId);
const cancelled = (orderId: string, customerId = 'alice') => event('OrderCancelled', { customerId, reason: 'CUSTOMER_REQUEST' }, orderId);

function run(events: SagaEvent[], balances: Record<string, number>, orders = new Map<string, OrderPayment>()) {
  const ledger = new Ledger(new Map(Object.entries(balances)));
  const result = playPaymentEvents(events, orders, ledger);
  return { ledger, orders, ...result, sent: result.record.emits.map((e) => [e.type, e.payload]), notes: () => result.record.notes.map((n) => n.message) };
}

describe('payment saga domain (pure)', function () {
  const A = randomUUID();
  const B = randomUUID();

  it('refuses a refund that would take the balance past its limit (the event at fault named), and refunds one that reaches it exactly', function () {
    const orders = new Map<string, OrderPayment>([
      [A, { payment: { orderId: A, customerId: 'alice', amountCents: 300, status: 'CAPTURED' }, cancelled: false }],
      [B, { payment: { orderId: B, customerId: 'bob', amountCents: 300, status: 'CAPTURED' }, cancelled: false }],
    ]);
    let thrown: unknown;
    try {
      run([cancelled(B, 'bob'), cancelled(A)], { alice: LIMITS.maxBalanceCents - 299, bob: LIMITS.maxBalanceCents - 300 }, orders);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(EventFailure);
    expect((thrown as EventFailure).index, 'the second event, alice\'s refund').to.equal(1);
    expect((thrown as EventFailure).cause).to.be.instanceOf(EventRefused);
    expect(((thrown as EventFailure).cause as Error).message).to.include('past its limit');
    const exact = run([cancelled(B, 'bob')], { bob: LIMITS.maxBalanceCents - 300 }, new Map([[B, { payment: { orderId: B, customerId: 'bob', amountCents: 300, status: 'CAPTURED' }, cancelled: false }]]));
    expect(exact.ledger.balanceOf('bob')).to.equal(LIMITS.maxBalanceCents);
  });

  it('charges a reservation the balance covers: CAPTURED, PaymentCompleted, the amount captured', function () {
    const r = run([reserved(A, 300)], { alice: 1000 });
    expect(r.payments.get(A)).to.deep.equal({ orderId: A, customerId: 'alice', amountCents: 300, status: 'CAPTURED' });
    expect(r.sent).to.deep.equal([['PaymentCompleted', { customerId: 'alice', amountCents: 300 }]]);
    expect(r.ledger.captured.get('alice')).to.equal(300);
    expect(r.ledger.balanceOf('alice')).to.equal(700);
  });

  it('fails a reservation the balance does not cover, or of an unknown customer, charging nothing', function () {
    const r = run([reserved(A, 1001), reserved(B, 5, 'nobody')], { alice: 1000 });
    expect(r.sent).to.deep.equal([
      ['PaymentFailed', { customerId: 'alice', amountCents: 1001, reason: 'INSUFFICIENT_FUNDS' }],
      ['PaymentFailed', { customerId: 'nobody', amountCents: 5, reason: 'UNKNOWN_CUSTOMER' }],
    ]);
    expect(r.payments.size).to.equal(0);
    expect(r.ledger.captured.size).to.equal(0);
    expect(r.cancellations).to.deep.equal([A, B]);
  });

  it('a failed charge closes the order: its reservation again, under a new id, after the balance grew, is not charged', function () {
    const orders = new Map<string, OrderPayment>();
    run([reserved(A, 1001)], { alice: 1000 }, orders);
    const again = run([reserved(A, 1001)], { alice: 5000 }, orders);
    expect(again.sent).to.deep.equal([]);
    expect(again.ledger.captured.size).to.equal(0);
    expect(again.notes()).to.deep.equal(['order was cancelled before its payment; not charging']);
  });

  it('charges a balance down to exactly zero', function () {
    const r = run([reserved(A, 1000)], { alice: 1000 });
    expect(r.sent.map(([type]) => type)).to.deep.equal(['PaymentCompleted']);
    expect(r.ledger.balanceOf('alice')).to.equal(0);
  });

  it('notes each step for the log, with its facts', function () {
    const facts = (r: ReturnType<typeof run>) => r.record.notes.map((n) => [n.message, n.fields ?? null]);
    expect(facts(run([reserved(A, 300), cancelled(A)], { alice: 1000 }))).to.deep.equal([
      ['payment captured', { amountCents: 300 }],
      ['payment refunded', { amountCents: 300 }],
    ]);
    expect(facts(run([reserved(A, 3000)], { alice: 1000 }))).to.deep.equal([['payment failed', { reason: 'INSUFFICIENT_FUNDS', amountCents: 3000 }]]);
  });

  it('never takes a balance below zero across a run: the second order that does not fit fails', function () {
    const r = run([reserved(A, 600), reserved(B, 600)], { alice: 1000 });
    expect(r.sent.map(([type]) => type)).to.deep.equal(['PaymentCompleted', 'PaymentFailed']);
    expect(r.ledger.balanceOf('alice')).to.equal(400);
  });

  it('charges an order once, however often its reservation is delivered', function () {
    const r = run([reserved(A, 300), reserved(A, 300)], { alice: 1000 });
    expect(r.sent).to.have.length(1);
    expect(r.ledger.captured.get('alice')).to.equal(300);
  });

  it('refunds a charged order that is cancelled, and says so with the amount', function () {
    const r = run([reserved(A, 300), cancelled(A)], { alice: 1000 });
    expect(r.payments.get(A)?.status).to.equal('REFUNDED');
    expect(r.ledger.refunded.get('alice')).to.equal(300);
    expect(r.ledger.balanceOf('alice')).to.equal(1000);
    expect(r.cancellations).to.deep.equal([A]);
    expect(r.sent.at(-1)).to.deep.equal(['PaymentRefunded', { customerId: 'alice', refundedCents: 300 }]);
  });

  it('a cancel before the reservation (out of order): refunds 0, and the late reservation is never charged', function () {
    const r = run([cancelled(A), reserved(A, 300)], { alice: 1000 });
    expect(r.sent).to.deep.equal([['PaymentRefunded', { customerId: 'alice', refundedCents: 0 }]]);
    expect(r.ledger.captured.size).to.equal(0);
    expect(r.notes()).to.include('order was cancelled before its payment; not charging');
  });

  it('a repeated OrderCancelled for a refunded order changes nothing: no second refund, no second cancellation record', function () {
    const orders = new Map<string, OrderPayment>([[A, { payment: { orderId: A, customerId: 'alice', amountCents: 300, status: 'REFUNDED' }, cancelled: true }]]);
    const r = run([cancelled(A), cancelled(A)], { alice: 1000 }, orders);
    expect(r.ledger.refunded.size).to.equal(0);
    expect(r.ledger.balanceOf('alice')).to.equal(1000);
    expect(r.cancellations).to.deep.equal([]);
    expect(r.payments.size).to.equal(0);
  });

  it('may charge the customers of the reserved orders, once each', function () {
    expect(chargedCustomers([reserved(A, 1, 'alice'), cancelled(B, 'bob'), reserved(B, 2, 'alice')])).to.deep.equal(['alice']);
  });
});


describe('payment run write-back (statement)', function () {
  it('writes no event itself and raises no NOTIFY: the step hands the run\'s events to the outbox, which commits them with it', function () {
    const orderId = randomUUID();
    const write = savePaymentRun({ captured: new Map([['alice', 300]]), refunded: new Map(), payments: new Map(), cancellations: [orderId] });
    expect(write.text).to.not.include('outbox');
    expect(write.text).to.not.include('pg_notify');
    const { record } = playPaymentEvents([reserved(orderId, 300, 'alice')], new Map(), new Ledger(new Map([['alice', 1000]])));
    expect(record.envelopes().map((e) => [e.type, e.orderId])).to.deep.equal([['PaymentCompleted', orderId]]);
  });
});
