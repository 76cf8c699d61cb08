import type { EventHandlers, HandlerContext, Knex } from '@orders/shared';
import type { OrderStatus } from './domain.js';
import { lockOrder, updateOrder, type OrderPatch, type OrderRow } from './repository.js';

/**
 * How the order follows the saga (SPEC §2.4). Events of inventory and payment arrive on
 * different topics, so they may come in any order relative to each other: each handler
 * only moves the status forward, and a CANCELLING order ends CANCELLED once inventory
 * has released and payment has settled (refunded, or nothing was charged).
 */
export function orderHandlers(): EventHandlers {
  return {
    InventoryReserved: (event, ctx) =>
      withOrder(ctx, event.orderId, (row) => ({
        items: event.payload.items.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
        total_cents: event.payload.totalCents,
        ...(row.status === 'PENDING' ? { status: 'RESERVED' as const } : {}),
      })),

    InventoryRejected: (event, ctx) =>
      withOrder(ctx, event.orderId, (row) =>
        isOpen(row.status) ? { status: 'REJECTED', reason: event.payload.reason } : null,
      ),

    PaymentCompleted: (event, ctx) =>
      withOrder(ctx, event.orderId, (row) => (isOpen(row.status) ? { status: 'CONFIRMED' } : null)),

    PaymentFailed: (event, ctx) =>
      withOrder(ctx, event.orderId, (row) => {
        if (isOpen(row.status)) return { status: 'CANCELLED', reason: event.payload.reason, payment_settled: true };
        if (row.status === 'CANCELLING') return settle(row, { payment_settled: true });
        return null;
      }),

    InventoryReleased: (event, ctx) =>
      withOrder(ctx, event.orderId, (row) => (row.status === 'CANCELLING' ? settle(row, { inventory_released: true }) : null)),

    PaymentRefunded: (event, ctx) =>
      withOrder(ctx, event.orderId, (row) => (row.status === 'CANCELLING' ? settle(row, { payment_settled: true }) : null)),
  };
}

const isOpen = (status: OrderStatus) => status === 'PENDING' || status === 'RESERVED';

function settle(row: OrderRow, patch: OrderPatch): OrderPatch {
  const released = patch.inventory_released ?? row.inventory_released;
  const settled = patch.payment_settled ?? row.payment_settled;
  return released && settled ? { ...patch, status: 'CANCELLED' } : patch;
}

async function withOrder(
  { trx, log }: HandlerContext,
  orderId: string,
  decide: (row: OrderRow) => OrderPatch | null,
): Promise<void> {
  const row = await lockOrder(trx as Knex.Transaction, orderId);
  if (!row) {
    // Another environment's order or a lost insert: nothing to update, and never will be.
    log.warn('event for an unknown order ignored');
    return;
  }
  const patch = decide(row);
  if (!patch) {
    log.debug({ status: row.status }, 'event does not change the order');
    return;
  }
  const updated = await updateOrder(trx, orderId, patch);
  if (updated.status !== row.status) {
    log.info({ from: row.status, to: updated.status, reason: updated.reason }, 'order status changed');
  }
}
