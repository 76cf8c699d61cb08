import { sagaHandler } from '@orders/shared';
import { INVENTORY_INPUT_TYPES, playInventoryEvents, skusOf, StockBook } from './domain.js';
import { loadReservations, lockProducts, saveInventoryRun } from './repository.js';

/**
 * Inventory's part of the saga: with the run's orders locked, load their reservations and
 * lock the products they touch (in SKU order, so runs never deadlock), play the run
 * (domain), write stock moves, reservations and the events back in one statement.
 */
export const inventoryEventHandler = () =>
  sagaHandler(INVENTORY_INPUT_TYPES, { lockOrders: true }, async (events, trx, orderIds) => {
    const reservations = await loadReservations(trx, orderIds);
    const book = new StockBook(await lockProducts(trx, skusOf(events, reservations)));
    const { changed, record } = playInventoryEvents(events, reservations, book);
    await saveInventoryRun(trx, { moves: book.moves, reservations: changed, events: record.envelopes() });
    return record;
  });
