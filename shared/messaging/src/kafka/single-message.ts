import type { KafkaMessage } from 'kafkajs';
import type { SagaEvent } from '../events/envelope.js';
import type { EventLogs } from '../event-logs.js';
import type { ServiceMetrics } from '@orders/platform';
import type { DeadLetterQueue } from './dead-letter.js';
import { EventFailure } from './event-step.js';
import { backoffMs, type Attempts, type RetryPolicy } from './retry-policy.js';
import type { Decoded, Outcome, RunApplier } from './run-applier.js';

export interface SingleMessageDeps {
  decode: (topic: string, message: KafkaMessage) => SagaEvent | null;
  applier: RunApplier;
  retries: RetryPolicy;
  deadLetters: DeadLetterQueue;
  logs: EventLogs;
  count: (topic: string, decoded: readonly Decoded[], outcomes: readonly Outcome[]) => void;
  metrics?: ServiceMetrics;
}

/**
 * One message in a transaction of its own: applied, or retried as the policy says (an
 * infrastructure fault until it clears, a failing handler a bounded number of times), or
 * sent to the DLQ. `wait` heartbeats and throws when the consumer stops.
 */
export class SingleMessageHandler {
  constructor(private readonly deps: SingleMessageDeps) {}

  async handle(
    { topic, partition, message }: { topic: string; partition: number; message: KafkaMessage },
    wait: (ms: number) => Promise<void>,
    /** The error of an attempt already made (in a batched transaction): it counts as one. */
    priorFailure?: unknown,
  ): Promise<void> {
    const { decode, applier, retries, logs, count, metrics } = this.deps;
    const deadLetter = async (error: unknown) => {
      await this.deps.deadLetters.send({ topic, partition }, message, error, (attempt) => wait(backoffMs(attempt, retries.baseMs)));
      metrics?.messagesConsumed.inc({ topic, outcome: 'dead_lettered' });
    };
    let decoded: Decoded;
    try {
      decoded = { topic, partition, message, event: decode(topic, message) };
    } catch (error) {
      return deadLetter(error);
    }
    if (!decoded.event) return count(topic, [decoded], ['ignored']);
    const log = logs.for(decoded.event);
    let attempts: Attempts = { handler: 0, infrastructure: 0 };
    for (let error = priorFailure; ; ) {
      if (error !== undefined) {
        const next = retries.next(attempts, error);
        attempts = next.attempts;
        const { decision } = next;
        if (decision.action === 'dead-letter') {
          log.error({ err: error, attempts: decision.attempts }, 'event cannot be processed; sending it to the DLQ');
          return deadLetter(error);
        }
        const infrastructure = decision.kind === 'infrastructure';
        metrics?.handlerRetries.inc({ topic, kind: infrastructure ? 'transient' : 'failure' });
        log.warn(
          { err: error, attempt: decision.attempt },
          infrastructure ? 'infrastructure fault while handling event; retrying' : 'event handler failed; retrying',
        );
        await wait(decision.delayMs);
      }
      try {
        return count(topic, [decoded], await applier.apply([decoded]));
      } catch (caught) {
        error = caught instanceof EventFailure ? caught.cause : caught;
      }
    }
  }
}
