import { z } from 'zod';

/**
 * The event contracts of the order saga. One topic per producing service, so
 * every event of an order from one service keeps its order; every event is keyed by
 * order id. Changing a payload means a new `version`.
 */
export const TOPICS = {
  order: 'order-events',
  inventory: 'inventory-events',
  payment: 'payment-events',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
export const ALL_TOPICS: readonly Topic[] = Object.values(TOPICS);
export const dlqTopic = (topic: string) => `${topic}.dlq`;

export const Sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a SKU is 1-64 letters, digits, . _ -');
export const CustomerId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'a customer id is 1-128 letters, digits, . _ @ -');
export const Cents = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const Quantity = z.number().int().min(1).max(1_000_000);

/**
 * The limits that keep every sum the saga makes exact: an order's total is at most
 * 50 lines × 1,000,000 units × MAX_PRICE_CENTS = 5·10^15 cents, below 2^53; stock and
 * balances stay below their limits, which the databases enforce.
 */
export const LIMITS = {
  maxLines: 50,
  maxPriceCents: 100_000_000,
  maxStock: 1_000_000_000_000,
  maxBalanceCents: 1_000_000_000_000_000,
} as const;

/** A name people read: 1-200 characters, no control characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'a name has no control characters');

const OrderLine = z.strictObject({ sku: Sku, quantity: Quantity });
const PricedLine = z.strictObject({ sku: Sku, quantity: Quantity, unitPriceCents: Cents });

export const CANCEL_REASONS = ['CUSTOMER_REQUEST', 'TIMEOUT'] as const;
export const INVENTORY_REJECT_REASONS = ['OUT_OF_STOCK', 'UNKNOWN_PRODUCT'] as const;
export const PAYMENT_FAIL_REASONS = ['INSUFFICIENT_FUNDS', 'UNKNOWN_CUSTOMER'] as const;

export const EVENT_CONTRACTS = {
  OrderCreated: {
    topic: TOPICS.order,
    version: 1,
    payload: z.strictObject({ customerId: CustomerId, items: z.array(OrderLine).min(1).max(50) }),
  },
  /** Asks inventory and payment to compensate: release stock, refund any charge. */
  OrderCancelled: {
    topic: TOPICS.order,
    version: 1,
    payload: z.strictObject({ customerId: CustomerId, reason: z.enum(CANCEL_REASONS) }),
  },
  InventoryReserved: {
    topic: TOPICS.inventory,
    version: 1,
    payload: z.strictObject({ customerId: CustomerId, items: z.array(PricedLine).min(1).max(50), totalCents: Cents }),
  },
  InventoryRejected: {
    topic: TOPICS.inventory,
    version: 1,
    payload: z.strictObject({ reason: z.enum(INVENTORY_REJECT_REASONS), skus: z.array(Sku) }),
  },
  /** Stock of a cancelled order is back in `available` (from a reservation or a sale). */
  InventoryReleased: {
    topic: TOPICS.inventory,
    version: 1,
    payload: z.strictObject({ items: z.array(OrderLine) }),
  },
  PaymentCompleted: {
    topic: TOPICS.payment,
    version: 1,
    payload: z.strictObject({ customerId: CustomerId, amountCents: Cents }),
  },
  PaymentFailed: {
    topic: TOPICS.payment,
    version: 1,
    payload: z.strictObject({ customerId: CustomerId, amountCents: Cents, reason: z.enum(PAYMENT_FAIL_REASONS) }),
  },
  /** The payment side of a cancellation is settled; `refundedCents` is 0 when nothing was charged. */
  PaymentRefunded: {
    topic: TOPICS.payment,
    version: 1,
    payload: z.strictObject({ customerId: CustomerId, refundedCents: Cents }),
  },
} as const;

/** The header the outbox relay puts on every message: lets consumers skip other types unparsed. */
export const EVENT_TYPE_HEADER = 'event-type';

export type EventType = keyof typeof EVENT_CONTRACTS;
export const EVENT_TYPES = Object.keys(EVENT_CONTRACTS) as EventType[];

/** The service that emits an event type: the one whose topic carries it. */
export function producerOf(type: EventType): keyof typeof TOPICS {
  const topic = EVENT_CONTRACTS[type].topic;
  return (Object.keys(TOPICS) as (keyof typeof TOPICS)[]).find((service) => TOPICS[service] === topic)!;
}
export type EventPayload<T extends EventType> = z.infer<(typeof EVENT_CONTRACTS)[T]['payload']>;
