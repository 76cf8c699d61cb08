import type { Knex } from 'knex';
import { EVENT_CONTRACTS } from '../events/contracts.js';
import { validateEvent, type EventEnvelope } from '../events/envelope.js';
import { OUTBOX_CHANNEL, OUTBOX_TABLE } from './schema.js';

/**
 * Writes events to the outbox inside the caller's transaction, so they commit (or roll
 * back) together with the state change. The NOTIFY is delivered at commit and wakes the
 * relay at once. Events are validated here, before anything is written.
 */
export async function enqueueEvents(trx: Knex.Transaction, events: readonly EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => {
    const valid = validateEvent(event);
    return {
      event_id: valid.eventId,
      topic: EVENT_CONTRACTS[valid.type].topic,
      message_key: valid.orderId,
      event_type: valid.type,
      envelope: JSON.stringify(valid),
    };
  });
  // One round trip: the insert, and the NOTIFY that PostgreSQL delivers at commit.
  const insert = trx(OUTBOX_TABLE).insert(rows).toSQL();
  await trx.raw(`with inserted as (${insert.sql} returning 1) select pg_notify('${OUTBOX_CHANNEL}', '') from inserted limit 1`, insert.bindings as readonly Knex.Value[]);
}

export const enqueueEvent = (trx: Knex.Transaction, event: EventEnvelope) => enqueueEvents(trx, [event]);
