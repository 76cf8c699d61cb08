import type { Order, TimelineEvent } from './api.js';

/** One row of the saga timeline as the console shows it. */
export interface TimelineRow {
  type: string;
  emittedBy: string;
  /** Milliseconds from the first event (the order being placed). */
  atMs: number;
  /** Milliseconds from the event before: the hop. */
  hopMs: number | null;
  /** Milliseconds from being emitted to being applied by the order service. */
  deliveryMs: number;
}

export function timelineRows(events: readonly TimelineEvent[]): TimelineRow[] {
  const start = events.length > 0 ? Date.parse(events[0]!.occurredAt) : 0;
  return events.map((event, i) => {
    const at = Date.parse(event.occurredAt);
    return {
      type: event.type,
      emittedBy: event.emittedBy,
      atMs: at - start,
      hopMs: i === 0 ? null : at - Date.parse(events[i - 1]!.occurredAt),
      deliveryMs: Math.max(0, Date.parse(event.recordedAt) - at),
    };
  });
}

/** What the status line says: the status, its reason, and the total once priced. */
export function statusLine(order: Order): string {
  const total = order.totalCents === null ? '' : ` · ${money(order.totalCents)}`;
  return `${order.status}${order.reason ? ` (${order.reason})` : ''}${total}`;
}

export const money = (cents: number) => `${(cents / 100).toFixed(2)}`;
