import type { QueryResult } from 'pg';
import type { Statement } from '../db/statement-batch.js';
import type { EventEnvelope, SagaEvent } from '../events/envelope.js';
import type { EventType } from '@orders/contracts';
import type { EventLogs, Logger } from '../logger.js';

export interface PlayContext {
  /** The results of the handler's `load` statements, in their order. */
  loaded: readonly QueryResult[];
  /** Lines about the events, carrying each one's orderId, correlationId, type and id. */
  logs: EventLogs;
}

/**
 * Applies a run of events of one partition, in order, inside one transaction of two round
 * trips. The first carries BEGIN, the inbox insert of the run's ids and the handler's `load`
 * statements, which lock and read what the whole run needs; the handler then plays the new
 * events in memory (`play`) and returns the statements that write the run back, sent with
 * COMMIT. So the round trips per event fall as the runs grow with the load.
 * Throwing `EventFailure` from `play` names the event at fault; any other error fails the whole run.
 */
export interface EventBatchHandler {
  readonly types: readonly EventType[];
  /** Locks and reads for a run; `events` are all its handled events, duplicates included. */
  load(events: readonly SagaEvent[]): Statement[];
  /** The writes of the run's new events (duplicates already dropped), given what `load` read. */
  play(events: readonly SagaEvent[], ctx: PlayContext): Statement[] | Promise<Statement[]>;
}

/** The failure of the event at `index` of a run given to `EventBatchHandler.play`. */
export class EventFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('an event of a batched transaction failed');
    this.name = 'EventFailure';
  }
}

/** One event's writes; throwing fails that event. */
export type EventHandler<T extends EventType> = (event: EventEnvelope<T>, log: Logger) => Statement[] | Promise<Statement[]>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

/** A batch handler that gives each event's writes by its own handler, one after another, loading nothing. */
export function perEventHandler(handlers: EventHandlers): EventBatchHandler {
  return {
    types: Object.keys(handlers) as EventType[],
    load: () => [],
    async play(events, { logs }) {
      const writes: Statement[] = [];
      for (const [index, event] of events.entries()) {
        const handler = handlers[event.type] as EventHandler<EventType>;
        try {
          writes.push(...(await handler(event, logs.for(event))));
        } catch (error) {
          throw new EventFailure(index, error);
        }
      }
      return writes;
    },
  };
}
