import { RunRecord, type SagaEvent } from '@orders/messaging';

export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
}

export type ReservationStatus = 'RESERVED' | 'SOLD' | 'RELEASED' | 'REJECTED';

export interface Line {
  sku: string;
  quantity: number;
}

export interface PricedLine extends Line {
  unitPriceCents: number;
}

export type ReservationDecision =
  | { kind: 'reserved'; items: PricedLine[]; totalCents: number }
  | { kind: 'rejected'; reason: 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT'; skus: string[] };

/** All-or-nothing at the catalogue price: unknown SKUs first, then stock. */
export function decideReservation(lines: readonly Line[], stock: ReadonlyMap<string, Product>): ReservationDecision {
  const unknown = lines.filter((l) => !stock.has(l.sku)).map((l) => l.sku);
  if (unknown.length > 0) return { kind: 'rejected', reason: 'UNKNOWN_PRODUCT', skus: unknown };
  const short = lines.filter((l) => stock.get(l.sku)!.available < l.quantity).map((l) => l.sku);
  if (short.length > 0) return { kind: 'rejected', reason: 'OUT_OF_STOCK', skus: short };
  const items = lines.map((l) => ({ ...l, unitPriceCents: stock.get(l.sku)!.priceCents }));
  return { kind: 'reserved', items, totalCents: items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0) };
}

/** An order's reservation as stored: one per order, its status making every step happen once. */
export interface Reservation {
  order_id: string;
  status: ReservationStatus;
  items: PricedLine[] | Line[];
  total_cents: string | number | null;
}

export interface StockMove {
  available: number;
  reserved: number;
  sold: number;
}

export type InventoryEventType = 'InventoryReserved' | 'InventoryRejected' | 'InventoryReleased';

/** The events inventory acts on. */
export const INVENTORY_INPUT_TYPES = ['OrderCreated', 'PaymentCompleted', 'PaymentFailed', 'OrderCancelled'] as const;

const linesOf = (reservation: Reservation): Line[] => reservation.items.map((l) => ({ sku: l.sku, quantity: l.quantity }));

/**
 * The SKUs a run's new orders ask for. The run also needs those of the reservations it may
 * move: the statement that locks the products adds them from the database.
 */
export function orderedSkus(events: readonly SagaEvent[]): string[] {
  const skus = new Set<string>();
  for (const event of events) if (event.type === 'OrderCreated') event.payload.items.forEach((l) => skus.add(l.sku));
  return [...skus];
}

/**
 * The stock a run touches, in memory: the locked products kept up to date with every move,
 * and the per-SKU moves the run writes back.
 */
export class StockBook {
  readonly moves = new Map<string, StockMove>();

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

  /** Puts a reservation's reserved or sold stock back in `available`. */
  release(reservation: Reservation): Line[] {
    const lines = linesOf(reservation);
    const from = reservation.status === 'SOLD' ? 'sold' : 'reserved';
    for (const l of lines) this.move(l.sku, { available: l.quantity, [from]: -l.quantity });
    return lines;
  }
}

/**
 * Inventory's part of the saga, played on a run of events in order: reserve on
 * OrderCreated (all or nothing, at catalogue price), sell on PaymentCompleted, release on
 * PaymentFailed and OrderCancelled. Each order has one reservation whose status makes
 * every step happen at most once, whatever the delivery order or count; a cancellation
 * that comes first blocks any later reservation. `reservations` and the book are updated
 * in place; returns the reservations to write back and what to send and log.
 */
export function playInventoryEvents(events: readonly SagaEvent[], reservations: Map<string, Reservation>, book: StockBook) {
  const changed = new Map<string, Reservation>();
  const record = new RunRecord<InventoryEventType>();
  const save = (reservation: Reservation) => {
    reservations.set(reservation.order_id, reservation);
    changed.set(reservation.order_id, reservation);
  };
  const release = (event: SagaEvent, reservation: Reservation) => {
    record.emit(event, 'InventoryReleased', { items: book.release(reservation) });
    save({ ...reservation, status: 'RELEASED' });
  };
  for (const event of events) {
    const reservation = reservations.get(event.orderId);
    switch (event.type) {
      case 'OrderCreated': {
        if (reservation) break; // decided before (or cancelled first)
        const lines = event.payload.items;
        const decision = decideReservation(lines, book.stock);
        if (decision.kind === 'rejected') {
          save({ order_id: event.orderId, status: 'REJECTED', items: lines, total_cents: null });
          record.emit(event, 'InventoryRejected', { reason: decision.reason, skus: decision.skus });
          record.note(event, 'reservation rejected', { reason: decision.reason, skus: decision.skus });
          break;
        }
        for (const l of decision.items) book.move(l.sku, { available: -l.quantity, reserved: l.quantity });
        save({ order_id: event.orderId, status: 'RESERVED', items: decision.items, total_cents: decision.totalCents });
        record.emit(event, 'InventoryReserved', { customerId: event.payload.customerId, items: decision.items, totalCents: decision.totalCents });
        record.note(event, 'stock reserved', { totalCents: decision.totalCents });
        break;
      }
      case 'PaymentCompleted':
        if (reservation?.status !== 'RESERVED') break; // released meanwhile: payment refunds
        for (const l of linesOf(reservation)) book.move(l.sku, { reserved: -l.quantity, sold: l.quantity });
        save({ ...reservation, status: 'SOLD' });
        record.note(event, 'reservation turned into a sale');
        break;
      case 'PaymentFailed':
        if (reservation?.status !== 'RESERVED') break;
        release(event, reservation);
        record.note(event, 'reservation released after failed payment');
        break;
      case 'OrderCancelled':
        if (!reservation) {
          // Cancelled before its OrderCreated was handled: block any later reservation.
          save({ order_id: event.orderId, status: 'RELEASED', items: [], total_cents: null });
          record.emit(event, 'InventoryReleased', { items: [] });
        } else if (reservation.status === 'RESERVED' || reservation.status === 'SOLD') {
          release(event, reservation);
          record.note(event, 'stock released for cancelled order', { from: reservation.status });
        } else {
          record.emit(event, 'InventoryReleased', { items: [] }); // nothing held: confirm anyway
        }
        break;
    }
  }
  return { changed, record };
}
