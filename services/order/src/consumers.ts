import type { EventBatchHandler, EventEnvelope, EventType, SagaEvent } from '@orders/shared';
import type { OrderStatus } from './domain.js';
import { lockOrders, saveOrders, type OrderPatch, type OrderRow } from './repository.js';

type Transition<T extends EventType> = (event: EventEnvelope<T>, row: OrderRow) => OrderPatch | null;

/**
 * How the order follows the saga (SPEC §2.4). Events of inventory and payment arrive on
 * different topics, so they may come in any order relative to each other: each transition
 * only moves the status forward, and a CANCELLING order ends CANCELLED once inventory
 * has released and payment has settled (refunded, or nothing was charged).
 */
const TRANSITIONS: { [T in EventType]?: Transition<T> } = {
  InventoryReserved: (event, row) => ({
    items: event.payload.items.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
    total_cents: event.payload.totalCents,
    ...(row.status === 'PENDING' ? { status: 'RESERVED' as const } : {}),
  }),

  InventoryRejected: (event, row) => (isOpen(row.status) ? { status: 'REJECTED', reason: event.payload.reason } : null),

  PaymentCompleted: (_event, row) => (isOpen(row.status) ? { status: 'CONFIRMED' } : null),

  PaymentFailed: (event, row) => {
    if (isOpen(row.status)) return { status: 'CANCELLED', reason: event.payload.reason, payment_settled: true };
    if (row.status === 'CANCELLING') return settle(row, { payment_settled: true });
    return null;
  },

  InventoryReleased: (_event, row) => (row.status === 'CANCELLING' ? settle(row, { inventory_released: true }) : null),

  PaymentRefunded: (_event, row) => (row.status === 'CANCELLING' ? settle(row, { payment_settled: true }) : null),
};

/**
 * Applies a run of outcome events: locks the orders it names (one statement), moves each
 * through its events in order in memory, and writes the changed ones back (one statement).
 */
export function orderEventHandler(): EventBatchHandler {
  return {
    types: Object.keys(TRANSITIONS) as EventType[],
    async apply(events, { trx, logFor }) {
      const rows = await lockOrders(trx, events.map((e) => e.orderId));
      const changed = new Map<string, OrderRow>();
      for (const event of events) {
        const row = rows.get(event.orderId);
        if (!row) {
          // Another environment's order or a lost insert: nothing to update, and never will be.
          logFor(event).warn('event for an unknown order ignored');
          continue;
        }
        const patch = transitionOf(event, row);
        if (!patch) continue;
        const next: OrderRow = { ...row, ...patch };
        rows.set(row.id, next);
        changed.set(row.id, next);
        if (next.status !== row.status) {
          logFor(event).info({ from: row.status, to: next.status, reason: next.reason }, 'order status changed');
        }
      }
      await saveOrders(trx, [...changed.values()]);
    },
  };
}

function transitionOf(event: SagaEvent, row: OrderRow): OrderPatch | null {
  const transition = TRANSITIONS[event.type] as Transition<EventType> | undefined;
  return transition ? transition(event, row) : null;
}

const isOpen = (status: OrderStatus) => status === 'PENDING' || status === 'RESERVED';

function settle(row: OrderRow, patch: OrderPatch): OrderPatch {
  const released = patch.inventory_released ?? row.inventory_released;
  const settled = patch.payment_settled ?? row.payment_settled;
  return released && settled ? { ...patch, status: 'CANCELLED' } : patch;
}
