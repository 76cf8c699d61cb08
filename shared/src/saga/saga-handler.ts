import type { QueryResult } from 'pg';
import type { EventType } from '@orders/contracts';
import { lockKeys } from '../db/advisory-locks.js';
import type { Statement } from '../db/statement-batch.js';
import type { SagaEvent } from '../events/envelope.js';
import type { EventBatchHandler } from '../kafka/event-handler.js';
import type { RunRecord } from './run-record.js';

/** A service's step of the saga: what a run of events needs, and the run played on it. */
export interface SagaStep {
  /** Statements that lock and read what the run's orders need (sent after their locks, when taken). */
  load(events: readonly SagaEvent[], orderIds: readonly string[]): Statement[];
  /** Plays the run through the service's pure domain on what `load` read (its results, in order). */
  play(events: readonly SagaEvent[], loaded: readonly QueryResult[]): { writes: Statement[]; record: RunRecord };
}

/**
 * A service's part of the saga as a consumer handler: `step` loads what a run of events
 * needs, plays it through the service's pure domain and gives the writes, all in the
 * consumer's transaction; the domain's notes are logged with them. With `lockOrders`, the
 * run's orders are first serialised by advisory locks (for a service whose inputs come
 * from several topics, so in any order, and which has no row per order to lock).
 */
export function sagaHandler(types: readonly EventType[], options: { lockOrders: boolean }, step: SagaStep): EventBatchHandler {
  return {
    types,
    load(events) {
      const orderIds = [...new Set(events.map((e) => e.orderId))];
      return [...(options.lockOrders ? [lockKeys(orderIds)] : []), ...step.load(events, orderIds)];
    },
    play(events, { loaded, logs }) {
      const { writes, record } = step.play(events, options.lockOrders ? loaded.slice(1) : loaded);
      record.writeNotes(logs);
      return writes;
    },
  };
}
