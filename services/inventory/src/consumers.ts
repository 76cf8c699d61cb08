import { followUpEvent, lockKeys, type EventPayload, type EventBatchHandler, type EventEnvelope, type SagaEvent } from '@orders/shared';
import { decideReservation, type Line, type Product } from './domain.js';
import { loadReservations, lockProducts, saveInventoryRun, type ReservationRow } from './repository.js';

type InventoryEventType = 'InventoryReserved' | 'InventoryRejected' | 'InventoryReleased';

/**
 * Inventory's part of the saga: reserve on OrderCreated, sell on PaymentCompleted,
 * release on PaymentFailed and OrderCancelled. Each order is serialised by an advisory
 * lock on its id and has exactly one reservation row, whose status makes every step
 * happen at most once whatever the delivery order or count.
 *
 * A run of events is applied set-wise: lock the orders and the products they touch (in
 * SKU order), play the events in order against those rows in memory, then write stock
 * moves, reservations and the outgoing events back in one statement.
 */
export function inventoryEventHandler(): EventBatchHandler {
  return {
    types: ['OrderCreated', 'PaymentCompleted', 'PaymentFailed', 'OrderCancelled'],
    async apply(events, { trx, logFor }) {
      const orderIds = [...new Set(events.map((e) => e.orderId))];
      await lockKeys(trx, orderIds);
      const reservations = await loadReservations(trx, orderIds);
      const skus = new Set<string>();
      for (const event of events) {
        if (event.type === 'OrderCreated') event.payload.items.forEach((l) => skus.add(l.sku));
        reservations.get(event.orderId)?.items.forEach((l) => skus.add(l.sku));
      }
      const run = new InventoryRun(await lockProducts(trx, [...skus]));

      for (const event of events) {
        const reservation = reservations.get(event.orderId);
        const log = () => logFor(event);
        const save = (row: ReservationRow) => {
          reservations.set(row.order_id, row);
          run.reservations.set(row.order_id, row);
        };
        switch (event.type) {
          case 'OrderCreated': {
            if (reservation) break; // decided before
            const lines = event.payload.items;
            const decision = decideReservation(lines, run.stock);
            if (decision.kind === 'rejected') {
              save({ order_id: event.orderId, status: 'REJECTED', items: lines, total_cents: null });
              run.emit(event, 'InventoryRejected', { reason: decision.reason, skus: decision.skus });
              log().info({ reason: decision.reason, skus: decision.skus }, 'reservation rejected');
              break;
            }
            for (const l of decision.items) run.move(l.sku, { available: -l.quantity, reserved: l.quantity });
            save({ order_id: event.orderId, status: 'RESERVED', items: decision.items, total_cents: decision.totalCents });
            run.emit(event, 'InventoryReserved', {
              customerId: event.payload.customerId,
              items: decision.items,
              totalCents: decision.totalCents,
            });
            log().info({ totalCents: decision.totalCents }, 'stock reserved');
            break;
          }
          case 'PaymentCompleted':
            if (reservation?.status !== 'RESERVED') break; // released meanwhile: payment refunds
            for (const l of linesOf(reservation)) run.move(l.sku, { reserved: -l.quantity, sold: l.quantity });
            save({ ...reservation, status: 'SOLD' });
            log().info('reservation turned into a sale');
            break;
          case 'PaymentFailed':
            if (reservation?.status !== 'RESERVED') break;
            save(run.release(event, reservation));
            log().info('reservation released after failed payment');
            break;
          case 'OrderCancelled':
            if (!reservation) {
              // Cancelled before its OrderCreated was handled: block any later reservation.
              save({ order_id: event.orderId, status: 'RELEASED', items: [], total_cents: null });
              run.emit(event, 'InventoryReleased', { items: [] });
            } else if (reservation.status === 'RESERVED' || reservation.status === 'SOLD') {
              save(run.release(event, reservation));
              log().info({ from: reservation.status }, 'stock released for cancelled order');
            } else {
              run.emit(event, 'InventoryReleased', { items: [] }); // nothing held: confirm anyway
            }
            break;
        }
      }
      await saveInventoryRun(trx, run);
    },
  };
}

const linesOf = (reservation: ReservationRow): Line[] => reservation.items.map((l) => ({ sku: l.sku, quantity: l.quantity }));

export interface StockMove {
  available: number;
  reserved: number;
  sold: number;
}

/** The changes a run makes: per-SKU stock moves, reservations, outgoing events. */
export class InventoryRun {
  readonly moves = new Map<string, StockMove>();
  readonly reservations = new Map<string, ReservationRow>();
  readonly events: EventEnvelope[] = [];

  /** The locked products, kept up to date with the run's moves. */
  constructor(readonly stock: Map<string, Product>) {}

  move(sku: string, delta: Partial<StockMove>): void {
    const total = this.moves.get(sku) ?? { available: 0, reserved: 0, sold: 0 };
    const product = this.stock.get(sku);
    for (const key of ['available', 'reserved', 'sold'] as const) {
      total[key] += delta[key] ?? 0;
      if (product) product[key] += delta[key] ?? 0;
    }
    this.moves.set(sku, total);
  }

  /** Puts reserved or sold stock back in `available` and tells the order; the reservation as it ends. */
  release(cause: SagaEvent, reservation: ReservationRow): ReservationRow {
    const lines = linesOf(reservation);
    const from = reservation.status === 'SOLD' ? 'sold' : 'reserved';
    for (const l of lines) this.move(l.sku, { available: l.quantity, [from]: -l.quantity });
    this.emit(cause, 'InventoryReleased', { items: lines });
    return { ...reservation, status: 'RELEASED' };
  }

  emit<T extends InventoryEventType>(cause: SagaEvent, type: T, payload: EventPayload<T>): void {
    this.events.push(followUpEvent(cause, type, payload));
  }
}
