import { followUpEvent, lockKeys, type EventPayload, type EventBatchHandler, type EventEnvelope, type SagaEvent } from '@orders/shared';
import { loadOrderPayments, lockAccounts, savePaymentRun, type Payment } from './repository.js';

/**
 * Payment's part of the saga: charge on InventoryReserved, refund on OrderCancelled.
 * The two come from different topics in any order, so each order is serialised by an
 * advisory lock on its id; a payment row per order means one charge at most, and a
 * cancellation record means a reservation that arrives after the cancel is never charged.
 *
 * A run of events is applied set-wise: lock the orders and the accounts they touch, play
 * the events in order against those rows in memory, then write balances, payments,
 * cancellations and the outgoing events back in one statement.
 */
export function paymentEventHandler(): EventBatchHandler {
  return {
    types: ['InventoryReserved', 'OrderCancelled'],
    async apply(events, { trx, logFor }) {
      const orderIds = [...new Set(events.map((e) => e.orderId))];
      await lockKeys(trx, orderIds);
      const orders = await loadOrderPayments(trx, orderIds);
      const customers = new Set<string>();
      for (const event of events) {
        if (event.type === 'InventoryReserved') customers.add(event.payload.customerId);
        const payment = orders.get(event.orderId)?.payment;
        if (payment) customers.add(payment.customerId);
      }
      const run = new PaymentRun(await lockAccounts(trx, [...customers]));

      for (const event of events) {
        const order = orders.get(event.orderId) ?? { payment: undefined, cancelled: false };
        orders.set(event.orderId, order);
        const log = () => logFor(event);
        if (event.type === 'InventoryReserved') {
          if (order.payment) continue; // charged before
          if (order.cancelled) {
            log().info('order was cancelled before its payment; not charging');
            continue;
          }
          const { customerId, totalCents } = event.payload;
          const result = run.charge(customerId, totalCents);
          if (result === 'charged') {
            order.payment = { orderId: event.orderId, customerId, amountCents: totalCents, status: 'CAPTURED' };
            run.payments.set(event.orderId, order.payment);
            run.emit(event, 'PaymentCompleted', { customerId, amountCents: totalCents });
            log().info({ amountCents: totalCents }, 'payment captured');
          } else {
            const reason = result === 'insufficient-funds' ? 'INSUFFICIENT_FUNDS' : 'UNKNOWN_CUSTOMER';
            run.emit(event, 'PaymentFailed', { customerId, amountCents: totalCents, reason });
            log().info({ reason, amountCents: totalCents }, 'payment failed');
          }
          continue;
        }
        if (event.type !== 'OrderCancelled') continue;
        if (!order.cancelled) run.cancellations.push(event.orderId);
        order.cancelled = true;
        const { payment } = order;
        if (payment?.status === 'CAPTURED') {
          run.refund(payment.customerId, payment.amountCents);
          order.payment = { ...payment, status: 'REFUNDED' };
          run.payments.set(event.orderId, order.payment);
          log().info({ amountCents: payment.amountCents }, 'payment refunded');
        }
        run.emit(event, 'PaymentRefunded', {
          customerId: payment?.customerId ?? event.payload.customerId,
          refundedCents: payment?.amountCents ?? 0,
        });
      }
      await savePaymentRun(trx, run);
    },
  };
}

/** The changes a run makes: per-account movements, payments, cancellations, outgoing events. */
export class PaymentRun {
  readonly captured = new Map<string, number>();
  readonly refunded = new Map<string, number>();
  readonly payments = new Map<string, Payment>();
  readonly cancellations: string[] = [];
  readonly events: EventEnvelope[] = [];

  constructor(private readonly balances: Map<string, number>) {}

  /** Takes the amount from the balance if it covers it; never below zero. */
  charge(customerId: string, amountCents: number): 'charged' | 'insufficient-funds' | 'unknown-customer' {
    const balance = this.balances.get(customerId);
    if (balance === undefined) return 'unknown-customer';
    if (balance < amountCents) return 'insufficient-funds';
    this.balances.set(customerId, balance - amountCents);
    this.captured.set(customerId, (this.captured.get(customerId) ?? 0) + amountCents);
    return 'charged';
  }

  refund(customerId: string, amountCents: number): void {
    this.balances.set(customerId, (this.balances.get(customerId) ?? 0) + amountCents);
    this.refunded.set(customerId, (this.refunded.get(customerId) ?? 0) + amountCents);
  }

  emit<T extends 'PaymentCompleted' | 'PaymentFailed' | 'PaymentRefunded'>(cause: SagaEvent, type: T, payload: EventPayload<T>): void {
    this.events.push(followUpEvent(cause, type, payload));
  }
}
