import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createEvent } from '@orders/messaging';
import { cancellable, compensationFollowUp, compensationWaitMs, decideOrder, ORDER_STATUSES, type OrderSagaState } from '../src/domain.js';

describe('order: cancellation rules', function () {
  it('cancels PENDING, RESERVED and CONFIRMED; CANCELLING and CANCEL_STALLED are no-ops; REJECTED and CANCELLED are final', function () {
    const decisions = Object.fromEntries(ORDER_STATUSES.map((s) => [s, cancellable(s)]));
    expect(decisions).to.deep.equal({
      PENDING: 'cancel',
      RESERVED: 'cancel',
      CONFIRMED: 'cancel',
      CANCELLING: 'already-cancelling',
      CANCEL_STALLED: 'already-cancelling',
      REJECTED: 'final',
      CANCELLED: 'final',
    });
  });

  it('asks for a compensation again after the retry wait, doubling it each time up to 2^10 times; after the last allowed ask, stalls', function () {
    expect([0, 1, 2, 3, 10, 11, 50].map((n) => compensationWaitMs(n, 1000))).to.deep.equal([1000, 2000, 4000, 8000, 1_024_000, 1_024_000, 1_024_000]);
    expect([0, 4].map((n) => compensationFollowUp(n, 5))).to.deep.equal(['ask-again', 'ask-again']);
    expect([5, 6].map((n) => compensationFollowUp(n, 5))).to.deep.equal(['stall', 'stall']);
    expect(compensationFollowUp(0, 0), 'with no asks again allowed, the first wait ends in a stall').to.equal('stall');
  });

  it('a stalled cancellation still ends CANCELLED when its compensation comes', function () {
    const orderId = randomUUID();
    const state: OrderSagaState = {
      id: orderId,
      status: 'CANCEL_STALLED',
      reason: 'CUSTOMER_REQUEST',
      items: [],
      total_cents: 100,
      inventory_released: true,
      payment_settled: false,
    };
    const refunded = createEvent('PaymentRefunded', { orderId, correlationId: 'c', payload: { customerId: 'alice', refundedCents: 100 } });
    expect(decideOrder(state, refunded)).to.deep.equal({ payment_settled: true, status: 'CANCELLED' });
  });
});
