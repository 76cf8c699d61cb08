import { randomUUID } from 'node:crypto';
import { createEvent } from '@orders/messaging';

/** A valid OrderCreated for a fresh order; `correlationId` doubles as a label for ordering checks. */
export function orderCreated(orderId: string = randomUUID(), correlationId: string = randomUUID()) {
  return createEvent('OrderCreated', {
    orderId,
    correlationId,
    payload: { customerId: 'c-1', items: [{ sku: 'SKU-1', quantity: 1 }] },
  });
}
