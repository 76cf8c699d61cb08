import type { Knex } from 'knex';
import type { EventEnvelope } from '../events/envelope.js';
import { preparedRaw } from '../db/knex.js';
import { statement, type Statement } from '../db/statement-batch.js';
import { outboxMessages, type OutboxMessage } from './handoff.js';
import { OUTBOX_CHANNEL, OUTBOX_TABLE } from './outbox-table.js';

/** An outbox INSERT (SQL and values, to stand alone or be a CTE) and the rows it writes. */
export interface OutboxInsert {
  sql: string;
  bindings: unknown[];
  rows: OutboxMessage[];
}

/**
 * An INSERT of events into the outbox (one statement, however many events). With `notify`
 * (the default) its RETURNING raises the NOTIFY that PostgreSQL delivers at commit, waking
 * the relay at once; without, the committer hands the rows to its relay itself
 * (OutboxHandoff) or sends `NOTIFY_RELAY` in the same transaction. Events are validated
 * here, before anything is written. It can stand alone or be a CTE of a bigger statement,
 * so a state change and its events commit in a single round trip. Each row keeps the
 * trace its event continues, for the relay to pass on.
 */
export function outboxInsert(
  events: readonly EventEnvelope[],
  /** A SQL condition (e.g. on another CTE) without which nothing is inserted. */
  onlyIf = 'true',
  { notify = true }: { notify?: boolean } = {},
): OutboxInsert {
  const rows = outboxMessages(events);
  return {
    sql: `insert into ${OUTBOX_TABLE} (event_id, topic, message_key, event_type, envelope, trace_context)
      select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::text[]) where ${onlyIf}
      returning ${notify ? `pg_notify('${OUTBOX_CHANNEL}', '')` : '1'}`,
    bindings: [
      rows.map((r) => r.eventId),
      rows.map((r) => r.topic),
      rows.map((r) => r.key),
      rows.map((r) => r.type),
      rows.map((r) => r.envelope),
      rows.map((r) => r.traceContext),
    ],
    rows,
  };
}

/** Wakes the relay at commit, for a transaction whose outbox rows were written without NOTIFY and not handed over. */
export const NOTIFY_RELAY: Statement = statement(`select pg_notify('${OUTBOX_CHANNEL}', '')`);

/** Writes events to the outbox inside the caller's transaction: they commit (or roll back) with the state change. */
export async function enqueueEvents(trx: Knex.Transaction, events: readonly EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  const insert = outboxInsert(events);
  await preparedRaw(trx, `with inserted as (${insert.sql}) select count(*) from inserted`, insert.bindings);
}

export const enqueueEvent = (trx: Knex.Transaction, event: EventEnvelope) => enqueueEvents(trx, [event]);
