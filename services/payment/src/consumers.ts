import { createEvent, enqueueEvent, lockKey, type EventHandlers } from '@orders/shared';
import { charge, insertPayment, isCancelled, lockPayment, markRefunded, recordCancellation, refund } from './repository.js';

/**
 * Payment's part of the saga: charge on InventoryReserved, refund on OrderCancelled.
 * The two come from different topics in any order, so each order is serialised by an
 * advisory lock on its id; a payment row per order means one charge at most, and a
 * cancellation record means a reservation that arrives after the cancel is never charged.
 */
export function paymentHandlers(): EventHandlers {
  return {
    InventoryReserved: async (event, { trx, log }) => {
      const { orderId, correlationId } = event;
      const { customerId, totalCents } = event.payload;
      await lockKey(trx, orderId);
      if (await lockPayment(trx, orderId)) return; // charged before
      if (await isCancelled(trx, orderId)) {
        log.info('order was cancelled before its payment; not charging');
        return;
      }
      const result = await charge(trx, customerId, totalCents);
      if (result === 'charged') {
        await insertPayment(trx, { orderId, customerId, amountCents: totalCents, status: 'CAPTURED' });
        await enqueueEvent(trx, createEvent('PaymentCompleted', { orderId, correlationId, payload: { customerId, amountCents: totalCents } }));
        log.info({ amountCents: totalCents }, 'payment captured');
        return;
      }
      const reason = result === 'insufficient-funds' ? 'INSUFFICIENT_FUNDS' : 'UNKNOWN_CUSTOMER';
      await enqueueEvent(
        trx,
        createEvent('PaymentFailed', { orderId, correlationId, payload: { customerId, amountCents: totalCents, reason } }),
      );
      log.info({ reason, amountCents: totalCents }, 'payment failed');
    },

    OrderCancelled: async (event, { trx, log }) => {
      const { orderId, correlationId } = event;
      await lockKey(trx, orderId);
      await recordCancellation(trx, orderId);
      const payment = await lockPayment(trx, orderId);
      let refundedCents = 0;
      if (payment?.status === 'CAPTURED') {
        await refund(trx, payment.customerId, payment.amountCents);
        await markRefunded(trx, orderId);
        log.info({ amountCents: payment.amountCents }, 'payment refunded');
      }
      if (payment) refundedCents = payment.amountCents;
      await enqueueEvent(
        trx,
        createEvent('PaymentRefunded', {
          orderId,
          correlationId,
          payload: { customerId: payment?.customerId ?? event.payload.customerId, refundedCents },
        }),
      );
    },
  };
}
