import type { Knex } from 'knex';
import type { Logger, ServiceMetrics } from '@orders/platform';
import { EventLogs } from '../event-logs.js';
import type { Outbox } from '../outbox/outbox.js';
import { DeadLetterStore, type DeadLetter } from './dead-letter-store.js';
import { eventDecoder } from './event-decoder.js';
import { EventFailure, type EventStep } from './event-step.js';
import { RunApplier, type Outcome } from './run-applier.js';

export interface DeadLetterReplayOptions {
  db: Knex;
  /** The consumer group whose dead letters these are (its inbox keeps each event once). */
  groupId: string;
  topicPrefix: string;
  step: EventStep;
  outbox: Outbox;
  logger: Logger;
  metrics?: ServiceMetrics;
}

export type ReplayResult =
  | { replayed: true; letter: DeadLetter; outcome: Outcome }
  | { replayed: false; letter: DeadLetter; error: string }
  | undefined;

/**
 * Applies a dead letter again, after a fix, the way the consumer would have: decoded, then
 * in one transaction with its inbox record, its effect and the events it causes. Applied
 * (or found applied already: the inbox keeps each event once), it is marked replayed; if it
 * fails again it stays, with the error given back.
 */
export class DeadLetterReplay {
  readonly store: DeadLetterStore;
  private readonly decode: ReturnType<typeof eventDecoder>;
  private readonly applier: RunApplier;

  constructor(private readonly options: DeadLetterReplayOptions) {
    this.store = new DeadLetterStore(options.db, options.groupId);
    this.decode = eventDecoder(options.step.types, options.topicPrefix);
    this.applier = new RunApplier({
      db: options.db,
      groupId: options.groupId,
      step: options.step,
      logs: new EventLogs(options.logger),
      maxCombinedRuns: 1,
      outbox: options.outbox,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
  }

  async replay(id: string): Promise<ReplayResult> {
    const found = await this.store.message(id);
    if (!found) return undefined;
    if (found.letter.replayedAt) return { replayed: true, letter: found.letter, outcome: 'duplicate' };
    let outcome: Outcome;
    try {
      const event = this.decode(found.topic, found.message);
      [outcome = 'ignored'] = await this.applier.apply([{ topic: found.topic, partition: found.partition, message: found.message, event }]);
    } catch (caught) {
      const error = caught instanceof EventFailure ? caught.cause : caught;
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ deadLetter: id, error: message }, 'dead letter still fails; kept');
      return { replayed: false, letter: found.letter, error: message };
    }
    const letter = await this.store.markReplayed(id);
    this.options.logger.info({ deadLetter: id, outcome, eventType: letter.eventType, orderId: letter.orderId }, 'dead letter replayed');
    return { replayed: true, letter, outcome };
  }

  /** Every dead letter not replayed yet, oldest first: how many were replayed, and those that still fail. */
  async replayAll(): Promise<{ replayed: number; failed: { id: string; error: string }[] }> {
    const failed: { id: string; error: string }[] = [];
    let replayed = 0;
    for (const letter of await this.store.pending()) {
      const result = await this.replay(letter.id);
      if (result?.replayed) replayed++;
      else if (result) failed.push({ id: letter.id, error: result.error });
    }
    return { replayed, failed };
  }
}
