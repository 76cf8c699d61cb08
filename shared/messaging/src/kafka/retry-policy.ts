import { isTransientError } from '@orders/db';
import { InvalidEventError, OutgoingEventError } from '../events/envelope.js';
import { EventRefused } from './event-step.js';

/**
 * Why handling a message failed:
 * - `infrastructure`: the database or broker is down, restarting or overloaded; retried
 *   until it clears, never dead-lettered;
 * - `invalid`: the message can never be processed as it is, or the domain refuses it as
 *   things stand (EventRefused); dead-lettered at once;
 * - `handler`: the handler failed on this message (an invalid event it was about to send
 *   included); retried a bounded number of times, then dead-lettered.
 */
export type FailureKind = 'infrastructure' | 'invalid' | 'handler';

export function classifyFailure(error: unknown): FailureKind {
  if (isTransientError(error)) return 'infrastructure';
  // An invalid event the handler was about to send is its own failure, not the input's.
  if (error instanceof OutgoingEventError) return 'handler';
  if (error instanceof InvalidEventError || error instanceof EventRefused) return 'invalid';
  return 'handler';
}

/** Attempts made so far on one message, by kind of failure. */
export interface Attempts {
  handler: number;
  infrastructure: number;
}

export type RetryDecision =
  | { action: 'retry'; kind: Exclude<FailureKind, 'invalid'>; attempt: number; delayMs: number }
  | { action: 'dead-letter'; attempts: number };

export const MAX_BACKOFF_MS = 5000;

/** Exponential backoff: base, 2×base, 4×base … capped at MAX_BACKOFF_MS. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(attempt - 1, 16));
}

/** What to do after an attempt on a message failed with `error`. */
export class RetryPolicy {
  constructor(
    /** Retries after the first attempt before a failing message is dead-lettered. */
    readonly maxRetries: number,
    readonly baseMs: number,
  ) {}

  next(attempts: Attempts, error: unknown): { decision: RetryDecision; attempts: Attempts } {
    const kind = classifyFailure(error);
    if (kind === 'infrastructure') {
      const infrastructure = attempts.infrastructure + 1;
      return {
        decision: { action: 'retry', kind, attempt: infrastructure, delayMs: backoffMs(infrastructure, this.baseMs) },
        attempts: { ...attempts, infrastructure },
      };
    }
    const handler = attempts.handler + 1;
    const decision: RetryDecision =
      kind === 'invalid' || handler > this.maxRetries
        ? { action: 'dead-letter', attempts: handler }
        : { action: 'retry', kind, attempt: handler, delayMs: backoffMs(handler, this.baseMs) };
    return { decision, attempts: { ...attempts, handler } };
  }
}
