import { CustomerId, Quantity, Sku } from '@orders/contracts';
import { z } from 'zod';
import { pageQuery } from '@orders/runtime';
import { ORDER_STATUSES } from './domain.js';

export const PlaceOrderBody = z
  .strictObject({
    customerId: CustomerId,
    items: z.array(z.strictObject({ sku: Sku, quantity: Quantity })).min(1, 'an order has 1 to 50 lines').max(50, 'an order has 1 to 50 lines'),
  })
  .refine((body) => new Set(body.items.map((i) => i.sku)).size === body.items.length, {
    message: 'each SKU may appear only once',
    path: ['items'],
  });

export const OrderId = z.uuid('an order id is a UUID');

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'an Idempotency-Key is 1-255 visible ASCII characters');

export const ListQuery = z.strictObject({
  customerId: CustomerId.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  ...pageQuery,
});

const OrderLine = z.object({ sku: z.string(), quantity: z.number().int(), unitPriceCents: z.number().int().nullable() });
export const OrderSchema = z.object({
  id: z.uuid(),
  customerId: z.string(),
  status: z.enum(ORDER_STATUSES),
  reason: z.string().nullable(),
  items: z.array(OrderLine),
  totalCents: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** An order and every saga event it has seen, oldest first (GET /orders/{id}/timeline). */
export const OrderTimelineSchema = z.object({
  order: OrderSchema,
  events: z.array(
    z.object({
      type: z.string(),
      emittedBy: z.enum(['order', 'inventory', 'payment']),
      occurredAt: z.string(),
      recordedAt: z.string(),
    }),
  ),
});
