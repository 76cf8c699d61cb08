import type { Knex } from 'knex';
import { preparedRaw } from '@orders/db';
import { OUTBOX_CHANNEL, OUTBOX_TABLE } from './outbox-table.js';
import type { OutboxMessage } from './outbox-rows.js';

/**
 * The INSERT of outbox rows (one statement, however many rows), to stand alone or be a CTE.
 * With `notify` its RETURNING raises the NOTIFY that PostgreSQL delivers at commit, waking
 * the leading relay; without, the commit hands the rows to its own process's relay.
 */
export function outboxInsertSql(rows: readonly OutboxMessage[], onlyIf: string, notify: boolean): { sql: string; bindings: unknown[] } {
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
  };
}

/** Writes outbox rows inside a knex transaction, as one prepared statement. */
export async function insertOutboxRows(trx: Knex.Transaction, rows: readonly OutboxMessage[], notify: boolean): Promise<void> {
  const insert = outboxInsertSql(rows, 'true', notify);
  await preparedRaw(trx, `with inserted as (${insert.sql}) select count(*) from inserted`, insert.bindings);
}
