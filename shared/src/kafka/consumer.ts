import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { SagaEvent } from '../events/envelope.js';
import { EventLogs } from '../logger.js';
import type { EventConsumerOptions } from './consumer-options.js';
import { DeadLetterQueue } from './dead-letter.js';
import { EventFailure } from './event-step.js';
import { eventDecoder } from './event-decoder.js';
import { OffsetCommitter } from './offset-committer.js';
import { classifyFailure, RetryPolicy } from './retry-policy.js';
import { RunApplier, type Decoded, type Outcome } from './run-applier.js';
import { BatchPlan, type RunOutcome } from './run-planner.js';
import { SingleMessageHandler } from './single-message.js';

export { consumerIntervalMs, consumerTuning, type EventConsumerOptions } from './consumer-options.js';

/** Thrown by a wait when the consumer stops while a message is being retried. */
export class ConsumerStoppedError extends Error {}

/**
 * A Kafka consumer that applies each event exactly once to the database: offsets are
 * committed only after the effect is (`RunApplier`, `OffsetCommitter`); each partition's
 * batch goes in runs as `BatchPlan` says; a message handled alone is retried as
 * `RetryPolicy` says and, when it cannot be processed, goes to `<topic>.dlq`
 * (`SingleMessageHandler`).
 */
export class EventConsumer {
  private consumer: Consumer | null = null;
  private stopping = false;
  private readonly decode: (topic: string, message: KafkaMessage) => SagaEvent | null;
  private readonly applier: RunApplier;
  private readonly offsets: OffsetCommitter;
  private readonly single: SingleMessageHandler;
  private readonly logs: EventLogs;

  constructor(private readonly options: EventConsumerOptions) {
    const { step, topicPrefix, groupId, logger, metrics } = options;
    this.logs = new EventLogs(logger);
    this.decode = eventDecoder(step.types, topicPrefix);
    this.applier = new RunApplier({
      db: options.db,
      groupId,
      step,
      logs: this.logs,
      minIntervalMs: options.batchIntervalMs,
      maxCombinedRuns: options.partitionsConsumedConcurrently,
      outbox: options.outbox,
      ...(metrics ? { metrics } : {}),
    });
    this.offsets = new OffsetCommitter(options.commitIntervalMs, logger, (partitions) => {
      metrics?.offsetCommitRequests.inc();
      metrics?.offsetCommits.inc(partitions);
    });
    this.single = new SingleMessageHandler({
      decode: this.decode,
      applier: this.applier,
      retries: new RetryPolicy(options.maxRetries, options.retryBaseMs),
      deadLetters: new DeadLetterQueue(options.producer, groupId, logger),
      logs: this.logs,
      count: (topic, decoded, outcomes) => this.count(topic, decoded, outcomes),
      ...(metrics ? { metrics } : {}),
    });
  }

  async start(): Promise<void> {
    const { kafka, groupId, topics, topicPrefix, sessionTimeoutMs } = this.options;
    this.stopping = false;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      rebalanceTimeout: 60000,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 6)),
      allowAutoTopicCreation: false,
      // Back off to at most 1 s, so a returning broker is tried within a second.
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 1000 },
      minBytes: this.options.fetchMinBytes,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs,
    });
    this.consumer = consumer;
    // Offsets marked before a rebalance are committed under the generation they belong to.
    consumer.on(consumer.events.REBALANCING, () => void this.offsets.flush());
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.offsets.retain(payload.memberAssignment);
      this.warnIfFetchOutgrowsConcurrency(payload.memberAssignment);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map((t) => topicPrefix + t), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Lets the message in hand finish, commits, leaves the group and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    if (!consumer) return;
    await this.offsets.flush();
    await consumer.stop();
    await consumer.disconnect();
    this.consumer = null;
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    const leaving = () => !isRunning() || isStale() || this.stopping;
    const wait = (delayMs: number) => this.wait(delayMs, heartbeat, isRunning);
    const plan = new BatchPlan(messages.length, this.options.maxRun);
    try {
      for (let step = plan.step(); step.kind !== 'done' && !leaving(); step = plan.step()) {
        const before = plan.done;
        if (step.kind === 'run') plan.ran(step, await this.applyRun(topic, partition, messages.slice(step.from, step.to)));
        else {
          await this.single.handle({ topic, partition, message: messages[step.index]! }, wait, step.priorFailure);
          plan.handledAlone(step.index);
        }
        for (const message of messages.slice(before, plan.done)) resolveOffset(message.offset);
        if (plan.done > before) await heartbeat();
      }
    } catch (error) {
      if (!(error instanceof ConsumerStoppedError)) throw error;
    } finally {
      if (plan.done > 0) await this.offsets.mark(topic, partition, messages[plan.done - 1]!.offset, payload.commitOffsetsIfNecessary);
      // Leaving (stop or rebalance): commit now, while this member still holds the partition.
      if (leaving()) await this.offsets.flush();
    }
    // KafkaJS fetches again once every batch of a fetch is handled. Waiting out the batch
    // interval here, before that fetch, rather than after it, lets the next transaction take
    // everything the broker received until it starts; events that came during the wait
    // would otherwise stay at the broker for one more turn.
    if (!leaving()) await this.applier.untilNextTransaction();
  }

  /** Applies the leading valid messages of a run in one transaction (with other partitions' runs). */
  private async applyRun(topic: string, partition: number, run: KafkaMessage[]): Promise<RunOutcome> {
    const decoded: Decoded[] = [];
    for (const message of run) {
      try {
        decoded.push({ topic, partition, message, event: this.decode(topic, message) });
      } catch {
        break; // an invalid message is handled alone: it goes to the DLQ
      }
    }
    if (decoded.length === 0) return { failedAt: 0, error: undefined };
    const result = await this.applier.applyRun(decoded);
    if ('outcomes' in result) {
      this.count(topic, decoded, result.outcomes);
      return { applied: decoded.length };
    }
    const { error } = result;
    this.options.logger.debug({ err: error, topic, partition }, 'batched transaction failed');
    const eventFault = error instanceof EventFailure && classifyFailure(error.cause) !== 'infrastructure';
    return eventFault ? { failedAt: error.index, error: error.cause } : { failed: true };
  }

  /**
   * A fetch returns a batch for every assigned partition, and KafkaJS hands out at most
   * `partitionsConsumedConcurrently` at once: beyond that, the rest of a fetch waits for a
   * second transaction (and the batch interval) instead of joining the first.
   */
  private warnIfFetchOutgrowsConcurrency(assignment: Record<string, number[]>): void {
    const assigned = Object.values(assignment).reduce((n, partitions) => n + partitions.length, 0);
    const concurrency = this.options.partitionsConsumedConcurrently;
    if (assigned > concurrency) {
      this.options.logger.warn(
        { assignedPartitions: assigned, concurrency },
        'more partitions assigned than CONSUMER_CONCURRENCY: each fetch takes more than one transaction; raise CONSUMER_CONCURRENCY to at least the partitions assigned',
      );
    }
  }

  private count(topic: string, decoded: readonly Decoded[], outcomes: readonly Outcome[]): void {
    outcomes.forEach((outcome, k) => {
      this.options.metrics?.messagesConsumed.inc({ topic, outcome });
      if (outcome === 'duplicate') this.logs.write(decoded[k]!.event!, 'info', {}, 'duplicate event skipped');
    });
  }

  /** Waits `delayMs`, heartbeating; throws once the consumer is stopping. */
  private async wait(delayMs: number, heartbeat: () => Promise<void>, isRunning: () => boolean): Promise<void> {
    const deadline = Date.now() + delayMs;
    while (Date.now() < deadline) {
      if (!isRunning() || this.stopping) throw new ConsumerStoppedError('consumer stopped while a message was being retried');
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, deadline - Date.now())));
      await heartbeat().catch(() => undefined);
    }
  }
}
