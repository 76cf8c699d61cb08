import { expect } from 'chai';
import { cancellable, ORDER_STATUSES } from '../src/domain.js';

describe('order: cancellation rules', function () {
  it('cancels PENDING, RESERVED and CONFIRMED; CANCELLING is a no-op; REJECTED and CANCELLED are final', function () {
    const decisions = Object.fromEntries(ORDER_STATUSES.map((s) => [s, cancellable(s)]));
    expect(decisions).to.deep.equal({
      PENDING: 'cancel',
      RESERVED: 'cancel',
      CONFIRMED: 'cancel',
      CANCELLING: 'already-cancelling',
      REJECTED: 'final',
      CANCELLED: 'final',
    });
  });
});
