import { sagaHandler } from '@orders/shared';
import { ORDER_OUTCOME_TYPES, playOrderEvents } from './domain.js';
import { lockOrders, saveOrders } from './repository.js';

/**
 * The order follows the saga's outcomes: lock the rows of the run's orders (one
 * statement), play the run on them (domain), write the changed ones back and note the
 * events in the orders' timelines (one statement).
 */
export const orderEventHandler = () =>
  sagaHandler(ORDER_OUTCOME_TYPES, { lockOrders: false }, async (events, trx, orderIds) => {
    const { changed, record } = playOrderEvents(await lockOrders(trx, orderIds), events);
    await saveOrders(trx, [...changed.values()], events);
    return record;
  });
