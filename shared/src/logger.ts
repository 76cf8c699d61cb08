import { pino, type Level, type Logger } from 'pino';
import type { SagaEvent } from './events/envelope.js';
import { traceIdsForLog } from './tracing/trace-context.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout, one object a line, with the service name on every line.
 * Saga code logs through `sagaLogger` so orderId and correlationId are always present.
 * A line written inside a traced span carries its trace_id and span_id.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    mixin: (_line, _level, logger) => traceIdsForLog(() => logger.bindings().orderId),
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'password',
        '*.password',
        'appRole.password',
        'config.appRole.password',
        'db.password',
        'config.db.password',
        'headers.authorization',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}

export function sagaLogger(logger: Logger, orderId: string, correlationId: string, more: Record<string, unknown> = {}): Logger {
  return logger.child({ orderId, correlationId, ...more });
}

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
