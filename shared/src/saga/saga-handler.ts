import type { Knex } from 'knex';
import type { EventType } from '@orders/contracts';
import { lockKeys } from '../db/knex.js';
import type { SagaEvent } from '../events/envelope.js';
import type { EventBatchHandler } from '../kafka/event-handler.js';
import type { RunRecord } from './run-record.js';

/**
 * A service's part of the saga as a consumer handler: `step` loads what a run of events
 * needs, plays it through the service's pure domain and writes the result back, all in the
 * consumer's transaction; the domain's notes are logged once that is done. With
 * `lockOrders`, the run's orders are first serialised by advisory locks (for a service whose
 * inputs come from several topics, so in any order, and which has no row per order to lock).
 */
export function sagaHandler(
  types: readonly EventType[],
  options: { lockOrders: boolean },
  step: (events: readonly SagaEvent[], trx: Knex.Transaction, orderIds: string[]) => Promise<RunRecord>,
): EventBatchHandler {
  return {
    types,
    async apply(events, { trx, logFor }) {
      const orderIds = [...new Set(events.map((e) => e.orderId))];
      if (options.lockOrders) await lockKeys(trx, orderIds);
      const record = await step(events, trx, orderIds);
      record.writeNotes(logFor);
    },
  };
}
