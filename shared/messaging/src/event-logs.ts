import type { Level } from 'pino';
import { sagaLogger, type Logger } from '@orders/platform';
import type { SagaEvent } from './events/envelope.js';

/**
 * The lines a consumer writes about events, each with the event's orderId, correlationId,
 * type and id. A line below the logger's level costs no child logger: the consumer notes a
 * line or more per event, and building a child (its bindings serialised) is the cost.
 */
export class EventLogs {
  constructor(private readonly logger: Logger) {}

  /** A logger for any number of lines about `event`. */
  for(event: SagaEvent): Logger {
    return sagaLogger(this.logger, event.orderId, event.correlationId, { eventType: event.type, eventId: event.eventId });
  }

  /** One line about `event`, when `level` is written at all. */
  write(event: SagaEvent, level: Level, fields: Record<string, unknown>, message: string): void {
    if (this.logger.isLevelEnabled(level)) this.for(event)[level](fields, message);
  }
}
