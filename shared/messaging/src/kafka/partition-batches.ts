import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { SagaEvent } from '../events/envelope.js';
import type { Logger } from '@orders/platform';
import type { EventLogs } from '../event-logs.js';
import type { ServiceMetrics } from '@orders/platform';
import { EventFailure } from './event-step.js';
import type { OffsetCommitter } from './offset-committer.js';
import { classifyFailure } from './retry-policy.js';
import type { Decoded, Outcome, RunApplier } from './run-applier.js';
import { BatchPlan, type RunOutcome } from './run-planner.js';
import type { SingleMessageHandler } from './single-message.js';

/** Thrown by a wait when the consumer stops while a message is being retried. */
export class ConsumerStoppedError extends Error {}

export interface PartitionBatchesDeps {
  decode: (topic: string, message: KafkaMessage) => SagaEvent | null;
  applier: RunApplier;
  single: SingleMessageHandler;
  offsets: OffsetCommitter;
  logs: EventLogs;
  logger: Logger;
  /** Most messages of one partition applied in one transaction. */
  maxRun: number;
  /** True once the consumer is stopping. */
  stopping: () => boolean;
  metrics?: ServiceMetrics;
}

/**
 * One fetched batch of a partition, handled as `BatchPlan` says: runs of valid messages
 * applied together (with other partitions' runs, by the RunApplier), a message that failed
 * a run handled alone (retried, or dead-lettered); the offsets of what was applied marked
 * for commit, and committed at once when the consumer is leaving the partition.
 */
export class PartitionBatches {
  constructor(private readonly deps: PartitionBatchesDeps) {}

  async handle(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    const { offsets, single, applier } = this.deps;
    const leaving = () => !isRunning() || isStale() || this.deps.stopping();
    const wait = (delayMs: number) => this.wait(delayMs, heartbeat, isRunning);
    const plan = new BatchPlan(messages.length, this.deps.maxRun);
    try {
      for (let step = plan.step(); step.kind !== 'done' && !leaving(); step = plan.step()) {
        const before = plan.done;
        if (step.kind === 'run') plan.ran(step, await this.applyRun(topic, partition, messages.slice(step.from, step.to)));
        else {
          await single.handle({ topic, partition, message: messages[step.index]! }, wait, step.priorFailure);
          plan.handledAlone(step.index);
        }
        for (const message of messages.slice(before, plan.done)) resolveOffset(message.offset);
        if (plan.done > before) await heartbeat();
      }
    } catch (error) {
      if (!(error instanceof ConsumerStoppedError)) throw error;
    } finally {
      if (plan.done > 0) await offsets.mark(topic, partition, messages[plan.done - 1]!.offset, payload.commitOffsetsIfNecessary);
      // Leaving (stop or rebalance): commit now, while this member still holds the partition.
      if (leaving()) await offsets.flush();
    }
    // KafkaJS fetches again once every batch of a fetch is handled. Waiting out the batch
    // interval here, before that fetch, rather than after it, lets the next transaction take
    // everything the broker received until it starts; events that came during the wait
    // would otherwise stay at the broker for one more turn.
    if (!leaving()) await applier.untilNextTransaction();
  }

  /** Counts what a transaction did with each message, and logs the duplicates. */
  count(topic: string, decoded: readonly Decoded[], outcomes: readonly Outcome[]): void {
    outcomes.forEach((outcome, k) => {
      this.deps.metrics?.messagesConsumed.inc({ topic, outcome });
      if (outcome === 'duplicate') this.deps.logs.write(decoded[k]!.event!, 'info', {}, 'duplicate event skipped');
    });
  }

  /** Applies the leading valid messages of a run in one transaction (with other partitions' runs). */
  private async applyRun(topic: string, partition: number, run: KafkaMessage[]): Promise<RunOutcome> {
    const decoded: Decoded[] = [];
    for (const message of run) {
      try {
        decoded.push({ topic, partition, message, event: this.deps.decode(topic, message) });
      } catch {
        break; // an invalid message is handled alone: it goes to the DLQ
      }
    }
    if (decoded.length === 0) return { failedAt: 0, error: undefined };
    const result = await this.deps.applier.applyRun(decoded);
    if ('outcomes' in result) {
      this.count(topic, decoded, result.outcomes);
      return { applied: decoded.length };
    }
    const { error } = result;
    this.deps.logger.debug({ err: error, topic, partition }, 'batched transaction failed');
    const eventFault = error instanceof EventFailure && classifyFailure(error.cause) !== 'infrastructure';
    return eventFault ? { failedAt: error.index, error: error.cause } : { failed: true };
  }

  /** Waits `delayMs`, heartbeating; throws once the consumer is stopping. */
  private async wait(delayMs: number, heartbeat: () => Promise<void>, isRunning: () => boolean): Promise<void> {
    const deadline = Date.now() + delayMs;
    while (Date.now() < deadline) {
      if (!isRunning() || this.deps.stopping()) throw new ConsumerStoppedError('consumer stopped while a message was being retried');
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, deadline - Date.now())));
      await heartbeat().catch(() => undefined);
    }
  }
}
