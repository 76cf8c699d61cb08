import type { Consumer } from 'kafkajs';
import { EventLogs } from '../event-logs.js';
import type { EventConsumerOptions } from './consumer-options.js';
import { DeadLetterQueue } from './dead-letter.js';
import { eventDecoder } from './event-decoder.js';
import { OffsetCommitter } from './offset-committer.js';
import { PartitionBatches } from './partition-batches.js';
import { RetryPolicy } from './retry-policy.js';
import { RunApplier } from './run-applier.js';
import { DeadLetterStore } from './dead-letter-store.js';
import { SingleMessageHandler } from './single-message.js';

export { consumerIntervalMs, consumerTuning, type EventConsumerOptions } from './consumer-options.js';
export { ConsumerStoppedError } from './partition-batches.js';

/**
 * A Kafka consumer that applies each event exactly once to the database: offsets are
 * committed only after the effect is (`RunApplier`, `OffsetCommitter`); each partition's
 * batch goes in runs as `BatchPlan` says (`PartitionBatches`); a message handled alone is
 * retried as `RetryPolicy` says and, when it cannot be processed, goes to `<topic>.dlq`
 * (`SingleMessageHandler`).
 */
export class EventConsumer {
  private consumer: Consumer | null = null;
  private stopping = false;
  private readonly offsets: OffsetCommitter;
  private readonly batches: PartitionBatches;

  constructor(private readonly options: EventConsumerOptions) {
    const { step, topicPrefix, groupId, logger, metrics } = options;
    const logs = new EventLogs(logger);
    const decode = eventDecoder(step.types, topicPrefix);
    const applier = new RunApplier({
      db: options.db,
      groupId,
      step,
      logs,
      minIntervalMs: options.batchIntervalMs,
      maxCombinedRuns: options.partitionsConsumedConcurrently,
      outbox: options.outbox,
      ...(metrics ? { metrics } : {}),
    });
    this.offsets = new OffsetCommitter(options.commitIntervalMs, logger, (partitions) => {
      metrics?.offsetCommitRequests.inc();
      metrics?.offsetCommits.inc(partitions);
    });
    const single = new SingleMessageHandler({
      decode,
      applier,
      retries: new RetryPolicy(options.maxRetries, options.retryBaseMs),
      deadLetters: new DeadLetterQueue(options.producer, groupId, logger, new DeadLetterStore(options.db, groupId), metrics),
      logs,
      count: (topic, decoded, outcomes) => this.batches.count(topic, decoded, outcomes),
      ...(metrics ? { metrics } : {}),
    });
    this.batches = new PartitionBatches({
      decode,
      applier,
      single,
      offsets: this.offsets,
      logs,
      logger,
      maxRun: options.maxRun,
      stopping: () => this.stopping,
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
      eachBatch: (payload) => this.batches.handle(payload),
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
}
