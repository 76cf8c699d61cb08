import { pino, type Logger as PinoLogger } from 'pino';
import { traceIdsForLog } from './tracing/trace-context.js';

/** The JSON logger every process writes with. */
export type Logger = PinoLogger;

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
        'saslPassword',
        'kafka.saslPassword',
        'config.kafka.saslPassword',
        'sasl.password',
        '*.sasl.password',
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
