import { randomUUID } from 'node:crypto';
import { waitFor } from '@orders/testing';
import { OPERATOR } from './identity.js';
import type { LocalSystem, ServiceName } from './system.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Order {
  id: string;
  customerId: string;
  status: string;
  reason: string | null;
  items: { sku: string; quantity: number; unitPriceCents: number | null }[];
  totalCents: number | null;
  createdAt: string;
  updatedAt: string;
}

export const TERMINAL = ['CONFIRMED', 'REJECTED', 'CANCELLED'];

/**
 * A small HTTP client for the three services of a LocalSystem, signed in as one user: the
 * operator unless `as` names a customer (`null`: anonymous). Orders are always placed by
 * the customer they are for.
 */
export class Api {
  constructor(
    private readonly system: LocalSystem,
    readonly user: string | null = OPERATOR,
  ) {}

  /** The same client signed in as `user` (a customer id, OPERATOR, or null for no token). */
  as(user: string | null): Api {
    return new Api(this.system, user);
  }

  /** The Authorization header of this client's user (none when anonymous). */
  async authorization(): Promise<Record<string, string>> {
    return this.user === null ? {} : { authorization: `Bearer ${await this.system.identity.token(this.user)}` };
  }

  async request<T = any>(
    service: ServiceName,
    method: string,
    pathname: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    // A header given explicitly wins over the user's token; an empty one sends none.
    const { authorization = (await this.authorization()).authorization, ...rest } = headers;
    const init: RequestInit = { method, headers: authorization ? { ...rest, authorization } : rest };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.system.url(service, pathname), init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (e.g. /metrics)
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** A fresh id, so each test works on customers and products of its own. */
  static unique(prefix: string): string {
    return `${prefix}-${randomUUID().slice(0, 8)}`;
  }

  async product(sku: string, priceCents: number, available: number) {
    return this.put('inventory', `/products/${sku}`, { name: `Product ${sku}`, priceCents, available });
  }

  async account(customerId: string, balanceCents: number) {
    return this.put('payment', `/accounts/${customerId}`, { balanceCents });
  }

  /** A whole-value write as an operator makes it: create, or read the current version and replace that one. */
  private async put(service: ServiceName, pathname: string, body: unknown) {
    let res = await this.request(service, 'PUT', pathname, body);
    if (res.status === 428) {
      const etag = (await this.request(service, 'GET', pathname)).headers.get('etag')!;
      res = await this.request(service, 'PUT', pathname, body, { 'if-match': etag });
    }
    if (res.status !== 200) throw new Error(`PUT ${pathname} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async getProduct(sku: string) {
    return (await this.request('inventory', 'GET', `/products/${sku}`)).body;
  }

  async balance(customerId: string): Promise<number> {
    return (await this.request('payment', 'GET', `/accounts/${customerId}`)).body.balanceCents;
  }

  async placeOrder(customerId: string, items: { sku: string; quantity: number }[], headers: Record<string, string> = {}) {
    return this.as(customerId).request<Order>('order', 'POST', '/orders', { customerId, items }, headers);
  }

  async order(id: string): Promise<Order> {
    return (await this.request<Order>('order', 'GET', `/orders/${id}`)).body;
  }

  async waitForStatus(id: string, statuses: string | string[], timeoutMs = 15000): Promise<Order> {
    const wanted = Array.isArray(statuses) ? statuses : [statuses];
    let last: Order | undefined;
    try {
      return await waitFor(
        `order ${id} to be ${wanted.join('|')}`,
        async () => {
          last = await this.order(id);
          return wanted.includes(last.status) ? last : undefined;
        },
        timeoutMs,
        25,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(last)}`);
    }
  }

  /** Places an order and waits until it is terminal. */
  async orderToEnd(customerId: string, items: { sku: string; quantity: number }[]): Promise<Order> {
    const placed = await this.placeOrder(customerId, items);
    if (placed.status !== 202) throw new Error(`POST /orders answered ${placed.status}: ${JSON.stringify(placed.body)}`);
    return this.waitForStatus(placed.body.id, TERMINAL);
  }
}
