import { type CANCEL_REASONS, type EventType, type INVENTORY_REJECT_REASONS, type PAYMENT_FAIL_REASONS } from '@orders/contracts';
import { RunRecord, type EventEnvelope, type SagaEvent } from '@orders/messaging';

export const ORDER_STATUSES = ['PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLING', 'CANCEL_STALLED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderReason =
  | (typeof CANCEL_REASONS)[number]
  | (typeof INVENTORY_REJECT_REASONS)[number]
  | (typeof PAYMENT_FAIL_REASONS)[number];

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number | null;
}

/** An order as the API shows it. */
export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  reason: OrderReason | null;
  items: OrderLine[];
  totalCents: number | null;
  createdAt: string;
  updatedAt: string;
}

/** Statuses from which the saga can still move on its own; an order in one past its deadline times out. */
export const OPEN_STATUSES: readonly OrderStatus[] = ['PENDING', 'RESERVED'];

/**
 * Cancellations waiting for their compensation: CANCELLING, and CANCEL_STALLED once asking
 * again has stopped (an operator's to look at); either ends CANCELLED when it comes.
 */
export const CANCELLING_STATUSES: readonly OrderStatus[] = ['CANCELLING', 'CANCEL_STALLED'];

/** A customer may cancel anything not already rejected or cancelled. */
export function cancellable(status: OrderStatus): 'cancel' | 'already-cancelling' | 'final' {
  if (status === 'REJECTED' || status === 'CANCELLED') return 'final';
  if (isCancelling(status)) return 'already-cancelling';
  return 'cancel';
}

export const isOpen = (status: OrderStatus): boolean => OPEN_STATUSES.includes(status);
export const isCancelling = (status: OrderStatus): boolean => CANCELLING_STATUSES.includes(status);

/** The doubling of the wait stops here: 2^10 times the first wait. */
export const COMPENSATION_BACKOFF_MAX_EXPONENT = 10;

/**
 * How long a cancellation whose compensation was asked for `requests` times (the first ask
 * counts 0) waits, since the last ask, before it is asked again: the retry wait, doubled
 * each time. The sweeper's query computes the same (lockStaleCancellations).
 */
export const compensationWaitMs = (requests: number, retryMs: number): number =>
  retryMs * 2 ** Math.min(requests, COMPENSATION_BACKOFF_MAX_EXPONENT);

/** What becomes of a cancellation not confirmed in its wait: asked again, or, after `max` asks again, stalled. */
export const compensationFollowUp = (requests: number, max: number): 'ask-again' | 'stall' => (requests < max ? 'ask-again' : 'stall');

/** The columns of an order the saga moves: what the consumer locks, decides on and writes back. */
export interface OrderSagaState {
  id: string;
  status: OrderStatus;
  reason: OrderReason | null;
  items: OrderLine[];
  total_cents: number | string | null;
  inventory_released: boolean;
  payment_settled: boolean;
}

export type OrderChange = Partial<Omit<OrderSagaState, 'id'>>;

type Transition<T extends EventType> = (event: EventEnvelope<T>, state: OrderSagaState) => OrderChange | null;

/**
 * How the order follows the saga. Events of inventory and payment arrive on
 * different topics, so they may come in any order relative to each other: each transition
 * only moves the status forward, and a CANCELLING (or CANCEL_STALLED) order ends CANCELLED
 * once inventory has released and payment has settled (refunded, or nothing was charged).
 */
const TRANSITIONS: { [T in EventType]?: Transition<T> } = {
  InventoryReserved: (event, state) => ({
    items: event.payload.items.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
    total_cents: event.payload.totalCents,
    ...(state.status === 'PENDING' ? { status: 'RESERVED' as const } : {}),
  }),
  InventoryRejected: (event, state) => (isOpen(state.status) ? { status: 'REJECTED', reason: event.payload.reason } : null),
  PaymentCompleted: (_event, state) => (isOpen(state.status) ? { status: 'CONFIRMED' } : null),
  PaymentFailed: (event, state) => {
    if (isOpen(state.status)) return { status: 'CANCELLED', reason: event.payload.reason, payment_settled: true };
    if (isCancelling(state.status)) return settle(state, { payment_settled: true });
    return null;
  },
  InventoryReleased: (_event, state) => (isCancelling(state.status) ? settle(state, { inventory_released: true }) : null),
  PaymentRefunded: (_event, state) => (isCancelling(state.status) ? settle(state, { payment_settled: true }) : null),
};

/** The events the order service follows the saga by. */
export const ORDER_OUTCOME_TYPES = Object.keys(TRANSITIONS) as EventType[];

function settle(state: OrderSagaState, change: OrderChange): OrderChange {
  const released = change.inventory_released ?? state.inventory_released;
  const settled = change.payment_settled ?? state.payment_settled;
  return released && settled ? { ...change, status: 'CANCELLED' } : change;
}

/** What one event does to an order: the change, or null when it changes nothing. */
export function decideOrder(state: OrderSagaState, event: SagaEvent): OrderChange | null {
  const transition = TRANSITIONS[event.type] as Transition<EventType> | undefined;
  return transition ? transition(event, state) : null;
}

/**
 * Plays a run of outcome events, in order, on the orders they name (`states`, updated in
 * place); returns the orders that changed and what is worth logging.
 */
export function playOrderEvents<S extends OrderSagaState>(states: Map<string, S>, events: readonly SagaEvent[]) {
  const changed = new Map<string, S>();
  const record = new RunRecord<never>();
  for (const event of events) {
    const state = states.get(event.orderId);
    if (!state) {
      // Another environment's order or a lost insert: nothing to update, and never will be.
      record.note(event, 'event for an unknown order ignored', undefined, 'warn');
      continue;
    }
    const change = decideOrder(state, event);
    if (!change) continue;
    const next: S = { ...state, ...change };
    states.set(state.id, next);
    changed.set(state.id, next);
    if (next.status !== state.status) record.note(event, 'order status changed', { from: state.status, to: next.status, reason: next.reason });
  }
  return { changed, record };
}
