import type { Knex } from 'knex';
import type { EventEnvelope, SagaEvent } from '../events/envelope.js';
import type { EventType } from '@orders/contracts';
import type { Logger } from '../logger.js';

export interface HandlerContext {
  trx: Knex.Transaction;
  log: Logger;
}

export type EventHandler<T extends EventType> = (event: EventEnvelope<T>, ctx: HandlerContext) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface BatchContext {
  trx: Knex.Transaction;
  /** A logger carrying the event's orderId, correlationId, type and id. */
  logFor(event: SagaEvent): Logger;
}

/**
 * Applies a run of events of one partition, in order, inside one transaction: the events
 * are new (duplicates already dropped) and of the handled types. A set-based handler reads
 * and locks what the whole run needs in a few statements and writes it back in a few more,
 * so the database round trips per event fall as the runs grow with the load.
 * Throwing `EventFailure` names the event at fault; any other error fails the whole run.
 */
export interface EventBatchHandler {
  readonly types: readonly EventType[];
  apply(events: readonly SagaEvent[], ctx: BatchContext): Promise<void>;
}

/** The failure of the event at `index` of a run given to `EventBatchHandler.apply`. */
export class EventFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('an event of a batched transaction failed');
    this.name = 'EventFailure';
  }
}

/** A batch handler that applies each event with its own handler, one after another. */
export function perEventHandler(handlers: EventHandlers): EventBatchHandler {
  return {
    types: Object.keys(handlers) as EventType[],
    async apply(events, { trx, logFor }) {
      for (const [index, event] of events.entries()) {
        const handler = handlers[event.type] as EventHandler<EventType>;
        try {
          await handler(event, { trx, log: logFor(event) });
        } catch (error) {
          throw new EventFailure(index, error);
        }
      }
    },
  };
}
