import { createEvent, enqueueEvent, lockKey, type EventEnvelope, type EventHandlers, type Knex } from '@orders/shared';
import { decideReservation, type Line } from './domain.js';
import {
  insertReservation,
  lockProducts,
  lockReservation,
  moveStock,
  setReservationStatus,
  type ReservationRow,
} from './repository.js';

type Trx = Knex.Transaction;

/**
 * Inventory's part of the saga: reserve on OrderCreated, sell on PaymentCompleted,
 * release on PaymentFailed and OrderCancelled. Each order is serialised by an advisory
 * lock on its id and has exactly one reservation row, whose status makes every step
 * happen at most once whatever the delivery order or count.
 */
export function inventoryHandlers(): EventHandlers {
  return {
    OrderCreated: async (event, { trx, log }) => {
      await lockKey(trx, event.orderId);
      if (await lockReservation(trx, event.orderId)) return; // decided before
      const lines = event.payload.items;
      const stock = await lockProducts(trx, [...new Set(lines.map((l) => l.sku))]);
      const decision = decideReservation(lines, stock);
      if (decision.kind === 'rejected') {
        await insertReservation(trx, { order_id: event.orderId, status: 'REJECTED', items: lines, total_cents: null });
        await publish(trx, event, 'InventoryRejected', { reason: decision.reason, skus: decision.skus });
        log.info({ reason: decision.reason, skus: decision.skus }, 'reservation rejected');
        return;
      }
      await moveStock(trx, decision.items.map((l) => ({ sku: l.sku, available: -l.quantity, reserved: l.quantity, sold: 0 })));
      await insertReservation(trx, {
        order_id: event.orderId,
        status: 'RESERVED',
        items: decision.items,
        total_cents: decision.totalCents,
      });
      await publish(trx, event, 'InventoryReserved', {
        customerId: event.payload.customerId,
        items: decision.items,
        totalCents: decision.totalCents,
      });
      log.info({ totalCents: decision.totalCents }, 'stock reserved');
    },

    PaymentCompleted: async (event, { trx, log }) => {
      const reservation = await lockedReservation(trx, event.orderId);
      if (reservation?.status !== 'RESERVED') return; // released meanwhile: payment refunds
      await moveStock(trx, linesOf(reservation).map((l) => ({ sku: l.sku, available: 0, reserved: -l.quantity, sold: l.quantity })));
      await setReservationStatus(trx, event.orderId, 'SOLD');
      log.info('reservation turned into a sale');
    },

    PaymentFailed: async (event, { trx, log }) => {
      const reservation = await lockedReservation(trx, event.orderId);
      if (reservation?.status !== 'RESERVED') return;
      await release(trx, event, reservation);
      log.info('reservation released after failed payment');
    },

    OrderCancelled: async (event, { trx, log }) => {
      const reservation = await lockedReservation(trx, event.orderId);
      if (!reservation) {
        // Cancelled before its OrderCreated was handled: block any later reservation.
        await insertReservation(trx, { order_id: event.orderId, status: 'RELEASED', items: [], total_cents: null });
        await publish(trx, event, 'InventoryReleased', { items: [] });
        return;
      }
      if (reservation.status === 'RESERVED' || reservation.status === 'SOLD') {
        await release(trx, event, reservation);
        log.info({ from: reservation.status }, 'stock released for cancelled order');
        return;
      }
      await publish(trx, event, 'InventoryReleased', { items: [] }); // nothing held: confirm anyway
    },
  };
}

const linesOf = (reservation: ReservationRow): Line[] => reservation.items.map((l) => ({ sku: l.sku, quantity: l.quantity }));

async function lockedReservation(trx: Trx, orderId: string): Promise<ReservationRow | undefined> {
  await lockKey(trx, orderId);
  return lockReservation(trx, orderId);
}

/** Puts reserved or sold stock back in `available` and tells the order. */
async function release(trx: Trx, cause: EventEnvelope, reservation: ReservationRow): Promise<void> {
  const lines = linesOf(reservation);
  const from = reservation.status === 'SOLD' ? 'sold' : 'reserved';
  await moveStock(
    trx,
    lines.map((l) => ({ sku: l.sku, available: l.quantity, reserved: from === 'reserved' ? -l.quantity : 0, sold: from === 'sold' ? -l.quantity : 0 })),
  );
  await setReservationStatus(trx, cause.orderId, 'RELEASED');
  await publish(trx, cause, 'InventoryReleased', { items: lines });
}

async function publish<T extends 'InventoryReserved' | 'InventoryRejected' | 'InventoryReleased'>(
  trx: Trx,
  cause: EventEnvelope,
  type: T,
  payload: Parameters<typeof createEvent<T>>[1]['payload'],
): Promise<void> {
  await enqueueEvent(trx, createEvent(type, { orderId: cause.orderId, correlationId: cause.correlationId, payload }));
}
