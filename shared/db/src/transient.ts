/**
 * Faults of the infrastructure (a database or broker that is down, restarting, or
 * overloaded) rather than of the message or request. Work failing with these is retried
 * until it succeeds; it is never dead-lettered.
 */
const TRANSIENT_PG_CLASSES = ['08', '53', '57', '58', '40']; // connection, resources, operator, system, rollback
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, name, retriable } = error as Error & { code?: unknown; retriable?: unknown };
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_PG_CLASSES.includes(code.slice(0, 2))) return true;
  }
  if (retriable === true) return true; // KafkaJS marks broker-side retriable failures
  if (name === 'KnexTimeoutError' || name.startsWith('KafkaJS')) return true;
  const message = error.message ?? '';
  return /Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}
