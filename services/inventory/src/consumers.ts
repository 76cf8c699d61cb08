import type { EventStep } from '@orders/messaging';
import { INVENTORY_INPUT_TYPES, orderedSkus, playInventoryEvents, StockBook } from './domain.js';
import { loadReservations, lockedProducts, lockProducts, reservationsBy, saveInventoryRun } from './repository.js';

/**
 * Inventory's part of the saga: with the run's orders locked, load their reservations and
 * lock the products they touch (in SKU order, so runs never deadlock), play the run
 * (domain), write stock moves and reservations back in one statement; the events the run
 * decided go with it.
 */
export const inventoryStep: EventStep<'reservations' | 'products'> = {
  types: INVENTORY_INPUT_TYPES,
  lockOrders: true,
  load: (events, orderIds) => ({ reservations: loadReservations(orderIds), products: lockProducts(orderedSkus(events), orderIds) }),
  play(events, { reservations, products }) {
    const book = new StockBook(lockedProducts(products));
    const { changed, record } = playInventoryEvents(events, reservationsBy(reservations), book);
    return { writes: [saveInventoryRun({ moves: book.moves, reservations: changed })], record };
  },
};
