import type { EventStep } from '@orders/messaging';
import { ORDER_OUTCOME_TYPES, playOrderEvents } from './domain.js';
import { lockOrders, ordersBy, saveOrders } from './repository.js';

/**
 * The order follows the saga's outcomes: lock the rows of the run's orders (one
 * statement), play the run on them (domain), write the changed ones back and note the
 * events in the orders' timelines (one statement).
 */
export const orderStep: EventStep<'orders'> = {
  types: ORDER_OUTCOME_TYPES,
  load: (_events, orderIds) => ({ orders: lockOrders(orderIds) }),
  play(events, { orders }) {
    const { changed, record } = playOrderEvents(ordersBy(orders), events);
    return { writes: saveOrders([...changed.values()], events), record };
  },
};
