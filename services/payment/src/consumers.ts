import type { EventStep } from '@orders/messaging';
import { chargedCustomers, Ledger, PAYMENT_INPUT_TYPES, playPaymentEvents } from './domain.js';
import { balancesBy, loadOrderPayments, lockAccounts, orderPaymentsBy, savePaymentRun } from './repository.js';

/**
 * Payment's part of the saga: with the run's orders locked (its inputs come from two
 * topics, in any order), load their payments and lock the accounts they touch, play the
 * run (domain), write balances, payments and cancellations back in one statement; the
 * events the run decided go with it.
 */
export const paymentStep: EventStep<'orders' | 'accounts'> = {
  types: PAYMENT_INPUT_TYPES,
  lockOrders: true,
  load: (events, orderIds) => ({ orders: loadOrderPayments(orderIds), accounts: lockAccounts(chargedCustomers(events), orderIds) }),
  play(events, { orders, accounts }) {
    const ledger = new Ledger(balancesBy(accounts));
    const { payments, cancellations, record } = playPaymentEvents(events, orderPaymentsBy(orders), ledger);
    return { writes: [savePaymentRun({ captured: ledger.captured, refunded: ledger.refunded, payments, cancellations })], record };
  },
};
