import { LIMITS } from '@orders/contracts';
import { EventFailure, EventRefused, RunRecord, type SagaEvent } from '@orders/messaging';

export interface Payment {
  orderId: string;
  customerId: string;
  amountCents: number;
  status: 'CAPTURED' | 'REFUNDED';
}

/** What payment knows of an order: its payment, if any, and whether it was cancelled. */
export interface OrderPayment {
  payment: Payment | undefined;
  cancelled: boolean;
}

export type PaymentEventType = 'PaymentCompleted' | 'PaymentFailed' | 'PaymentRefunded';

/** The events payment acts on. */
export const PAYMENT_INPUT_TYPES = ['InventoryReserved', 'OrderCancelled'] as const;

/**
 * The accounts a run touches, in memory: charges never take a balance below zero, and the
 * captured and refunded amounts per customer are what the run writes back.
 */
export class Ledger {
  readonly captured = new Map<string, number>();
  readonly refunded = new Map<string, number>();

  constructor(private readonly balances: Map<string, number>) {}

  balanceOf(customerId: string): number | undefined {
    return this.balances.get(customerId);
  }

  charge(customerId: string, amountCents: number): 'charged' | 'insufficient-funds' | 'unknown-customer' {
    const balance = this.balances.get(customerId);
    if (balance === undefined) return 'unknown-customer';
    if (balance < amountCents) return 'insufficient-funds';
    this.balances.set(customerId, balance - amountCents);
    this.captured.set(customerId, (this.captured.get(customerId) ?? 0) + amountCents);
    return 'charged';
  }

  /** Gives the money back, unless the balance would pass its limit (LIMITS.maxBalanceCents): then nothing changes. */
  refund(customerId: string, amountCents: number): 'refunded' | 'over-limit' {
    const balance = this.balances.get(customerId) ?? 0;
    if (balance + amountCents > LIMITS.maxBalanceCents) return 'over-limit';
    this.balances.set(customerId, balance + amountCents);
    this.refunded.set(customerId, (this.refunded.get(customerId) ?? 0) + amountCents);
    return 'refunded';
  }
}

/**
 * The customers a run may charge. The run also needs the accounts of the payments it may
 * refund: the statement that locks the accounts adds them from the database.
 */
export function chargedCustomers(events: readonly SagaEvent[]): string[] {
  const customers = new Set<string>();
  for (const event of events) if (event.type === 'InventoryReserved') customers.add(event.payload.customerId);
  return [...customers];
}

/**
 * Payment's part of the saga, played on a run of events in order: charge on
 * InventoryReserved (once per order; never for an order already cancelled or whose charge
 * failed), refund on OrderCancelled (and remember the cancellation, so a late reservation is
 * never charged).
 * `orders` and the ledger are updated in place; returns what the run writes back.
 */
export function playPaymentEvents(events: readonly SagaEvent[], orders: Map<string, OrderPayment>, ledger: Ledger) {
  const payments = new Map<string, Payment>();
  const cancellations: string[] = [];
  const record = new RunRecord<PaymentEventType>();
  for (const [index, event] of events.entries()) {
    const order = orders.get(event.orderId) ?? { payment: undefined, cancelled: false };
    orders.set(event.orderId, order);
    if (event.type === 'InventoryReserved') {
      if (order.payment) continue; // charged before
      if (order.cancelled) {
        record.note(event, 'order was cancelled before its payment; not charging');
        continue;
      }
      const { customerId, totalCents } = event.payload;
      const result = ledger.charge(customerId, totalCents);
      if (result === 'charged') {
        order.payment = { orderId: event.orderId, customerId, amountCents: totalCents, status: 'CAPTURED' };
        payments.set(event.orderId, order.payment);
        record.emit(event, 'PaymentCompleted', { customerId, amountCents: totalCents });
        record.note(event, 'payment captured', { amountCents: totalCents });
      } else {
        // The order service cancels an order whose payment failed without telling payment, so
        // the failure closes the order here: its reservation, should it come again under
        // another id once the balance covers it, is never charged.
        cancellations.push(event.orderId);
        order.cancelled = true;
        const reason = result === 'insufficient-funds' ? 'INSUFFICIENT_FUNDS' : 'UNKNOWN_CUSTOMER';
        record.emit(event, 'PaymentFailed', { customerId, amountCents: totalCents, reason });
        record.note(event, 'payment failed', { reason, amountCents: totalCents });
      }
    } else if (event.type === 'OrderCancelled') {
      const { payment } = order;
      // Refused before anything of it is decided: the whole event waits for an operator (a dead letter, replayed after a fix).
      if (payment?.status === 'CAPTURED' && ledger.refund(payment.customerId, payment.amountCents) === 'over-limit') {
        throw new EventFailure(
          index,
          new EventRefused(
            `the refund of ${payment.amountCents.toLocaleString('en')} cents would take the balance of ${payment.customerId} past its limit of ${LIMITS.maxBalanceCents.toLocaleString('en')} cents`,
          ),
        );
      }
      if (!order.cancelled) cancellations.push(event.orderId);
      order.cancelled = true;
      if (payment?.status === 'CAPTURED') {
        order.payment = { ...payment, status: 'REFUNDED' };
        payments.set(event.orderId, order.payment);
        record.note(event, 'payment refunded', { amountCents: payment.amountCents });
      }
      record.emit(event, 'PaymentRefunded', {
        customerId: payment?.customerId ?? event.payload.customerId,
        refundedCents: payment?.amountCents ?? 0,
      });
    }
  }
  return { payments, cancellations, record };
}
