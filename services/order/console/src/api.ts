/** The order service's API, as the console uses it (same origin: the service serves the console). */

// The API's own types, from the service's code (type-only: nothing of it is bundled).
import type { Order } from '../../src/domain.js';
import { forget, signedIn } from './auth.js';
export type { Order };

export interface TimelineEvent {
  type: string;
  emittedBy: 'order' | 'inventory' | 'payment';
  occurredAt: string;
  recordedAt: string;
}

export const FINAL_STATUSES: readonly Order['status'][] = ['CONFIRMED', 'REJECTED', 'CANCELLED'];
/** What a customer may still cancel (a confirmed order too: refund and restock). */
export const CANCELLABLE_STATUSES: readonly Order['status'][] = ['PENDING', 'RESERVED', 'CONFIRMED'];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the API refuses the token (expired, or signed out elsewhere). */
let onUnauthenticated = () => {};
export const whenUnauthenticated = (handler: () => void) => {
  onUnauthenticated = handler;
};

async function call<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
  const who = signedIn();
  const headers = { ...(who ? { authorization: `Bearer ${who.token}` } : {}), ...extra };
  const response = await fetch(path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T & { error?: { code: string; message: string } };
  if (response.status === 401) {
    forget();
    onUnauthenticated();
  }
  if (!response.ok) throw new ApiError(response.status, json.error?.code ?? 'ERROR', json.error?.message ?? response.statusText);
  return json;
}

export const placeOrder = (customerId: string, items: { sku: string; quantity: number }[], idempotencyKey: string) =>
  call<Order>('POST', '/orders', { customerId, items }, { 'Idempotency-Key': idempotencyKey });

export const timeline = (id: string) => call<{ order: Order; events: TimelineEvent[] }>('GET', `/orders/${id}/timeline`);

export const cancelOrder = (id: string) => call<Order>('POST', `/orders/${id}/cancel`);

export const listOrders = (cursor: string | null, limit = 10) =>
  call<{ items: Order[]; nextCursor: string | null }>('GET', `/orders?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
