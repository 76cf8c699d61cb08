import { producerOf } from '@orders/contracts';
import { preparedRaw } from '@orders/db';
import { type EventEnvelope } from '@orders/messaging';
import { type Knex } from 'knex';

/** One saga event of an order as the order service saw it. */
export interface TimelineEntry {
  type: string;
  /** The service that emitted it. */
  emittedBy: string;
  /** When its emitter created it. */
  occurredAt: string;
  /** When the order service applied it (for its own events: wrote it). */
  recordedAt: string;
}

/**
 * The insert that notes events in the order's timeline, to put in the statement that makes
 * their change (so it costs no round trip of its own). `onlyIf` is an SQL condition.
 */
export function timelineInsert(events: readonly EventEnvelope[], onlyIf = 'true'): { sql: string; bindings: unknown[] } {
  return {
    sql: `insert into order_timeline (order_id, event_type, emitted_by, occurred_at)
      select * from unnest(?::uuid[], ?::text[], ?::text[], ?::timestamptz[]) where ${onlyIf}`,
    bindings: [events.map((e) => e.orderId), events.map((e) => e.type), events.map((e) => producerOf(e.type)), events.map((e) => e.occurredAt)],
  };
}

export async function noteEvents(trx: Knex.Transaction, events: readonly EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  const insert = timelineInsert(events);
  await preparedRaw(trx, insert.sql, insert.bindings);
}

export async function readTimeline(db: Knex, orderId: string): Promise<TimelineEntry[]> {
  const rows = await db('order_timeline')
    .where({ order_id: orderId })
    .orderBy([{ column: 'occurred_at' }, { column: 'seq' }])
    .select<{ event_type: string; emitted_by: string; occurred_at: Date; recorded_at: Date }[]>('event_type', 'emitted_by', 'occurred_at', 'recorded_at');
  return rows.map((r) => ({
    type: r.event_type,
    emittedBy: r.emitted_by,
    occurredAt: r.occurred_at.toISOString(),
    recordedAt: r.recorded_at.toISOString(),
  }));
}
