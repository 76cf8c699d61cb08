import type { Knex } from 'knex';
import { EVENT_CONTRACTS } from '@orders/contracts';
import { validateEvent, type EventEnvelope } from '../events/envelope.js';
import { preparedRaw } from '../db/knex.js';
import { traceparentForEvent } from '../tracing/trace-context.js';
import { OUTBOX_CHANNEL, OUTBOX_TABLE } from './outbox-table.js';

/**
 * An INSERT of events into the outbox (one statement, however many events) whose RETURNING
 * raises the NOTIFY that PostgreSQL delivers at commit, waking the relay at once. Events are
 * validated here, before anything is written. It can stand alone or be a CTE of a bigger
 * statement, so a state change and its events commit in a single round trip. Each row
 * keeps the trace its event continues (see traceparentForEvent), for the relay to pass on.
 */
export function outboxInsert(
  events: readonly EventEnvelope[],
  /** A SQL condition (e.g. on another CTE) without which nothing is inserted. */
  onlyIf = 'true',
): { sql: string; bindings: unknown[] } {
  const valid = events.map((event) => validateEvent(event));
  return {
    sql: `insert into ${OUTBOX_TABLE} (event_id, topic, message_key, event_type, envelope, trace_context)
      select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::text[]) where ${onlyIf}
      returning pg_notify('${OUTBOX_CHANNEL}', '')`,
    bindings: [
      valid.map((e) => e.eventId),
      valid.map((e) => EVENT_CONTRACTS[e.type].topic),
      valid.map((e) => e.orderId),
      valid.map((e) => e.type),
      valid.map((e) => JSON.stringify(e)),
      events.map((e) => traceparentForEvent(e)),
    ],
  };
}

/** Writes events to the outbox inside the caller's transaction: they commit (or roll back) with the state change. */
export async function enqueueEvents(trx: Knex.Transaction, events: readonly EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  const insert = outboxInsert(events);
  await preparedRaw(trx, `with inserted as (${insert.sql}) select count(*) from inserted`, insert.bindings);
}

export const enqueueEvent = (trx: Knex.Transaction, event: EventEnvelope) => enqueueEvents(trx, [event]);
