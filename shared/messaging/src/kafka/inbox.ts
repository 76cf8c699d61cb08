import type { QueryResult } from 'pg';
import { statement, type Statement } from '@orders/db';
import type { SagaEvent } from '../events/envelope.js';
import { PROCESSED_MESSAGES_TABLE } from './inbox-table.js';

export interface Delivery {
  event: SagaEvent;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The consumer's inbox: the ids of the events a consumer group has applied, written in the
 * transaction of their effect. This statement records a run's events and returns the ids
 * recorded now (`firstDeliveries`): an id already there, or twice in the run, is a duplicate.
 */
export function recordDeliveries(groupId: string, deliveries: readonly Delivery[]): Statement {
  return statement(
    `insert into ${PROCESSED_MESSAGES_TABLE} (consumer_group, event_id, event_type, topic, partition, "offset")
     select ?, m.event_id, m.event_type, m.topic, m.partition, m.message_offset
     from unnest(?::uuid[], ?::text[], ?::text[], ?::int[], ?::bigint[])
       as m(event_id, event_type, topic, partition, message_offset)
     on conflict (consumer_group, event_id) do nothing
     returning event_id`,
    [
      groupId,
      deliveries.map((d) => d.event.eventId),
      deliveries.map((d) => d.event.type),
      deliveries.map((d) => d.topic),
      deliveries.map((d) => d.partition),
      deliveries.map((d) => d.offset),
    ],
  );
}

/** The ids (lower case) `recordDeliveries` recorded now. */
export const firstDeliveries = (result: QueryResult): Set<string> => new Set(result.rows.map((r: { event_id: string }) => r.event_id));
