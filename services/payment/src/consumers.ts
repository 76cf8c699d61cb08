import { sagaHandler } from '@orders/shared';
import { customersOf, Ledger, PAYMENT_INPUT_TYPES, playPaymentEvents } from './domain.js';
import { loadOrderPayments, lockAccounts, savePaymentRun } from './repository.js';

/**
 * Payment's part of the saga: with the run's orders locked (its inputs come from two
 * topics, in any order), load their payments and lock the accounts they touch, play the
 * run (domain), write balances, payments, cancellations and the events back in one statement.
 */
export const paymentEventHandler = () =>
  sagaHandler(PAYMENT_INPUT_TYPES, { lockOrders: true }, async (events, trx, orderIds) => {
    const orders = await loadOrderPayments(trx, orderIds);
    const ledger = new Ledger(await lockAccounts(trx, customersOf(events, orders)));
    const { payments, cancellations, record } = playPaymentEvents(events, orders, ledger);
    await savePaymentRun(trx, { captured: ledger.captured, refunded: ledger.refunded, payments, cancellations, events: record.envelopes() });
    return record;
  });
