import type { QueryResult } from 'pg';
import type { Statement } from '@orders/db';
import type { EventEnvelope, SagaEvent } from '../events/envelope.js';
import type { EventType } from '@orders/contracts';
import type { Logger } from '@orders/platform';
import type { EventLogs } from '../event-logs.js';
import type { RunRecord } from '../saga/run-record.js';

/** What a step gives back for a run: the statements that write it, and what the run decided (events to send, lines to log). */
export interface StepResult {
  writes: Statement[];
  record?: RunRecord;
}

/**
 * A service's step of the saga: what the consumer does with a run of events of one
 * partition, in order, in one transaction of two round trips. The first carries BEGIN, the
 * inbox insert of the run's ids, the advisory locks of its orders (with `lockOrders`, for a
 * service whose inputs come from several topics, so in any order, and which has no row per
 * order to lock) and the statements `load` names, which lock and read what the whole run
 * needs; `play` then plays the new events in memory on their results, by the same names, and
 * gives the writes, sent with the run's events and COMMIT. So the round trips per event fall
 * as the runs grow with the load. Throwing `EventFailure` from `play` names the event at
 * fault; any other error fails the whole run.
 */
export interface EventStep<L extends string = string> {
  readonly types: readonly EventType[];
  readonly lockOrders?: boolean;
  /** Locks and reads for a run, by name; `events` are all its handled events, duplicates included. */
  load(events: readonly SagaEvent[], orderIds: readonly string[]): Record<L, Statement>;
  /** The writes of the run's new events (duplicates already dropped), given what `load` read. */
  play(events: readonly SagaEvent[], loaded: Record<L, QueryResult>, logs: EventLogs): StepResult | Promise<StepResult>;
}

/** The failure of the event at `index` of a run given to `EventStep.play`. */
export class EventFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('an event of a batched transaction failed');
    this.name = 'EventFailure';
  }
}

/**
 * A domain's refusal of an event as things stand (a refund that would take a balance past
 * its limit): dead-lettered at once, without retries that could not help; an operator
 * replays it after a fix.
 */
export class EventRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventRefused';
  }
}

/** One event's writes; throwing fails that event. */
export type EventHandler<T extends EventType> = (event: EventEnvelope<T>, log: Logger) => Statement[] | Promise<Statement[]>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

/** A step that gives each event's writes by its own handler, one after another, loading nothing. */
export function perEventStep(handlers: EventHandlers): EventStep<never> {
  return {
    types: Object.keys(handlers) as EventType[],
    load: () => ({}) as Record<never, Statement>,
    async play(events, _loaded, logs) {
      const writes: Statement[] = [];
      for (const [index, event] of events.entries()) {
        const handler = handlers[event.type] as EventHandler<EventType>;
        try {
          writes.push(...(await handler(event, logs.for(event))));
        } catch (error) {
          throw new EventFailure(index, error);
        }
      }
      return { writes };
    },
  };
}
