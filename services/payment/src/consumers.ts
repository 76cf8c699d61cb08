import { sagaHandler } from '@orders/shared';
import { chargedCustomers, Ledger, PAYMENT_INPUT_TYPES, playPaymentEvents } from './domain.js';
import { balancesBy, loadOrderPayments, lockAccounts, orderPaymentsBy, savePaymentRun } from './repository.js';

/**
 * Payment's part of the saga: with the run's orders locked (its inputs come from two
 * topics, in any order), load their payments and lock the accounts they touch, play the
 * run (domain), write balances, payments, cancellations and the events back in one statement.
 */
export const paymentEventHandler = () =>
  sagaHandler(PAYMENT_INPUT_TYPES, { lockOrders: true }, {
    load: (events, orderIds) => [loadOrderPayments(orderIds), lockAccounts(chargedCustomers(events), orderIds)],
    play(events, [orders, accounts]) {
      const ledger = new Ledger(balancesBy(accounts!));
      const { payments, cancellations, record } = playPaymentEvents(events, orderPaymentsBy(orders!), ledger);
      const writes = [savePaymentRun({ captured: ledger.captured, refunded: ledger.refunded, payments, cancellations, events: record.envelopes() })];
      return { writes, record };
    },
  });
