import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import { isTransientError } from '../db/transient.js';
import type { EventType } from '../events/contracts.js';
import { dlqTopic } from '../events/contracts.js';
import { decodeEvent, InvalidEventError, type EventEnvelope, type SagaEvent } from '../events/envelope.js';
import { sagaLogger, type Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import { PROCESSED_MESSAGES_TABLE } from '../outbox/schema.js';

export interface HandlerContext {
  trx: Knex.Transaction;
  log: Logger;
}

export type EventHandler<T extends EventType> = (event: EventEnvelope<T>, ctx: HandlerContext) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface EventConsumerOptions {
  kafka: Kafka;
  /** Used to publish to `<topic>.dlq`. */
  producer: Producer;
  db: Knex;
  logger: Logger;
  groupId: string;
  /** Contract topic names; the consumer subscribes to them with `topicPrefix` in front. */
  topics: string[];
  topicPrefix?: string;
  handlers: EventHandlers;
  /** Attempts after the first before a failing message is dead-lettered. */
  maxRetries: number;
  retryBaseMs: number;
  /** A crashed member's partitions wait this long before the group reassigns them. */
  sessionTimeoutMs?: number;
  partitionsConsumedConcurrently?: number;
  metrics?: ServiceMetrics;
}

type Outcome = 'processed' | 'duplicate' | 'ignored' | 'dead_lettered';

const MAX_BACKOFF_MS = 5000;
/** Messages of one partition applied in one transaction. */
const MAX_RUN = 25;
const RUN_LOCK_TIMEOUT_MS = 50;

const isLockTimeout = (error: unknown) => (error as { code?: string } | null)?.code === '55P03';

class RunFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('a message of a batched transaction failed');
  }
}

class ConsumerStoppedError extends Error {
  constructor() {
    super('consumer stopped while a message was being retried');
  }
}

/**
 * A Kafka consumer that applies each event exactly once to the database:
 * - the event id is recorded in `processed_messages` in the same transaction as the
 *   handler's effect, so a redelivered or duplicated event changes nothing;
 * - offsets are committed only after those transactions commit (auto-commit is off);
 * - a handler that keeps failing is retried a bounded number of times and the message
 *   goes to `<topic>.dlq` with the error; invalid or unknown messages go there at once;
 * - infrastructure faults (database or broker down) are retried until they clear, so a
 *   good message is never dead-lettered because of an outage.
 * Each partition is applied in order (alone or in runs sharing one transaction), which
 * keeps per-order ordering.
 */
export class EventConsumer {
  private consumer: Consumer | null = null;
  private stopping = false;

  constructor(private readonly options: EventConsumerOptions) {}

  async start(): Promise<void> {
    const { kafka, groupId, topics } = this.options;
    this.stopping = false;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10000,
      rebalanceTimeout: 60000,
      heartbeatInterval: Math.max(500, Math.floor((this.options.sessionTimeoutMs ?? 10000) / 5)),
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 5000 },
      // Fetches return as soon as data arrives; a short wait only makes stop() prompt.
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    await consumer.connect();
    const prefix = this.options.topicPrefix ?? '';
    await consumer.subscribe({ topics: topics.map((t) => prefix + t), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Lets the message in hand finish, commits, leaves the group and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    if (!consumer) return;
    await consumer.stop();
    await consumer.disconnect();
    this.consumer = null;
  }

  /**
   * Applies a batch in order. Runs of up to MAX_RUN valid messages share one transaction
   * (one commit instead of one each); if a run fails for any reason it is rolled back and
   * its messages are applied one by one, with retries and the DLQ, as `handleMessage` does.
   */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    let lastDone: string | null = null;
    let singlyUntil = 0;
    // A message whose handler failed inside a run: the run's good prefix is applied again
    // without it, then it is handled alone with that failure counted as its first attempt.
    let failed = null as { index: number; error: unknown } | null;
    try {
      for (let i = 0; i < messages.length; ) {
        if (!isRunning() || isStale() || this.stopping) break;
        let done = 0;
        if (failed?.index !== i && i >= singlyUntil) {
          const run = messages.slice(i, failed ? failed.index : i + MAX_RUN);
          const result = await this.applyRun(topic, partition, run);
          done = result.applied;
          if (done === 0 && result.failedAt !== undefined) {
            failed = { index: i + result.failedAt, error: result.error };
            if (result.failedAt > 0) continue;
          } else if (done === 0) {
            singlyUntil = i + run.length;
          }
        }
        if (done === 0) {
          const prior = failed?.index === i ? failed.error : undefined;
          await this.handleMessage(topic, partition, messages[i]!, heartbeat, isRunning, prior);
          if (failed?.index === i) failed = null;
          done = 1;
        }
        for (const message of messages.slice(i, i + done)) resolveOffset(message.offset);
        i += done;
        lastDone = messages[i - 1]!.offset;
        await heartbeat();
      }
    } catch (error) {
      if (!(error instanceof ConsumerStoppedError)) throw error;
    } finally {
      if (lastDone !== null) await this.commit(payload, lastDone);
    }
  }

  /**
   * Applies the leading valid messages of `run` in one transaction; returns how many, or
   * 0 when there is nothing to batch or the transaction failed (then nothing was applied).
   */
  private async applyRun(
    topic: string,
    partition: number,
    run: KafkaMessage[],
  ): Promise<{ applied: number; failedAt?: number; error?: unknown }> {
    const decoded: { message: KafkaMessage; event: SagaEvent; log: Logger }[] = [];
    for (const message of run) {
      try {
        decoded.push({ message, ...this.decode(topic, message) });
      } catch {
        break; // handled singly: it goes to the DLQ
      }
    }
    if (decoded.length < 2) return { applied: 0 };
    try {
      const outcomes = await this.options.db.transaction(async (trx) => {
        // A run holds its row locks longer than one message would; rather than wait (or
        // deadlock with another run), it gives up quickly and its messages go one by one.
        await trx.raw(`set local lock_timeout = '${RUN_LOCK_TIMEOUT_MS}ms'`);
        const results: Outcome[] = [];
        for (const [index, { message, event, log }] of decoded.entries()) {
          try {
            results.push(await this.applyInTransaction(trx, event, topic, partition, message.offset, log));
          } catch (error) {
            throw new RunFailure(index, error);
          }
        }
        return results;
      });
      outcomes.forEach((outcome, k) => {
        this.options.metrics?.messagesConsumed.inc({ topic, outcome });
        if (outcome === 'duplicate') decoded[k]!.log.info('duplicate event skipped');
      });
      return { applied: decoded.length };
    } catch (error) {
      this.options.logger.debug({ err: error, topic, partition }, 'batched transaction failed');
      const handlerFault = error instanceof RunFailure && !isTransientError(error.cause) && !isLockTimeout(error.cause);
      return handlerFault ? { applied: 0, failedAt: error.index, error: error.cause } : { applied: 0 };
    }
  }

  /**
   * Commits up to `offset`, whose effect (or DLQ copy) is already durable. The batch's own
   * commit is used because it still works while the consumer is stopping (the group is
   * left only after the batch returns), where `consumer.commitOffsets` would do nothing.
   */
  private async commit({ batch, commitOffsetsIfNecessary }: EachBatchPayload, offset: string): Promise<void> {
    const { topic, partition } = batch;
    try {
      await commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: (BigInt(offset) + 1n).toString() }] }],
      });
    } catch (error) {
      // Typically a rebalance: the new owner gets these messages again and skips them as duplicates.
      this.options.logger.warn({ err: error, topic, partition, offset }, 'offset commit failed');
    }
  }

  private async handleMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
    /** The error of an attempt already made (in a batched transaction): it counts as one. */
    priorFailure?: unknown,
  ): Promise<void> {
    const { metrics, maxRetries, retryBaseMs } = this.options;
    let event: SagaEvent;
    let log: Logger;
    try {
      ({ event, log } = this.decode(topic, message));
    } catch (error) {
      await this.deadLetter(topic, partition, message, error, heartbeat, isRunning);
      return;
    }
    let failures = 0;
    let transientFailures = 0;
    let error: unknown = priorFailure;
    for (;;) {
      if (error !== undefined) {
        if (isTransientError(error)) {
          transientFailures++;
          metrics?.handlerRetries.inc({ topic, kind: 'transient' });
          log.warn({ err: error, attempt: transientFailures }, 'infrastructure fault while handling event; retrying');
          await this.backoff(transientFailures, retryBaseMs, heartbeat, isRunning);
        } else {
          failures++;
          if (error instanceof InvalidEventError || failures > maxRetries) {
            log.error({ err: error, attempts: failures }, 'event cannot be processed; sending it to the DLQ');
            await this.deadLetter(topic, partition, message, error, heartbeat, isRunning);
            return;
          }
          metrics?.handlerRetries.inc({ topic, kind: 'failure' });
          log.warn({ err: error, attempt: failures }, 'event handler failed; retrying');
          await this.backoff(failures, retryBaseMs, heartbeat, isRunning);
        }
      }
      try {
        const outcome = await this.applyOnce(event, topic, partition, message.offset, log);
        metrics?.messagesConsumed.inc({ topic, outcome });
        if (outcome === 'duplicate') log.info('duplicate event skipped');
        return;
      } catch (caught) {
        error = caught;
      }
    }
  }

  /** The event in a message (validated against its topic's contracts) and a logger for it. */
  private decode(topic: string, message: KafkaMessage): { event: SagaEvent; log: Logger } {
    const event = decodeEvent(message.value, topic.slice((this.options.topicPrefix ?? '').length));
    const log = sagaLogger(this.options.logger, event.orderId, event.correlationId).child({
      eventType: event.type,
      eventId: event.eventId,
    });
    return { event, log };
  }

  private async applyOnce(
    event: SagaEvent,
    topic: string,
    partition: number,
    offset: string,
    log: Logger,
  ): Promise<Outcome> {
    if (!this.options.handlers[event.type]) return 'ignored';
    return this.options.db.transaction((trx) => this.applyInTransaction(trx, event, topic, partition, offset, log));
  }

  /** The event's effect and its processed-message record, in the caller's transaction. */
  private async applyInTransaction(
    trx: Knex.Transaction,
    event: SagaEvent,
    topic: string,
    partition: number,
    offset: string,
    log: Logger,
  ): Promise<Outcome> {
    const handler = this.options.handlers[event.type] as EventHandler<EventType> | undefined;
    if (!handler) return 'ignored';
    const inserted = await trx(PROCESSED_MESSAGES_TABLE)
      .insert({
        consumer_group: this.options.groupId,
        event_id: event.eventId,
        event_type: event.type,
        topic,
        partition,
        offset,
      })
      .onConflict(['consumer_group', 'event_id'])
      .ignore()
      .returning('event_id');
    if (inserted.length === 0) return 'duplicate';
    await handler(event, { trx, log });
    return 'processed';
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    const details = (err as { details?: unknown }).details;
    const headers = {
      ...message.headers,
      'dlq-error': err.message,
      'dlq-error-type': err.name,
      ...(details === undefined ? {} : { 'dlq-error-details': JSON.stringify(details) }),
      'dlq-source-topic': topic,
      'dlq-source-partition': String(partition),
      'dlq-source-offset': message.offset,
      'dlq-consumer-group': this.options.groupId,
      'dlq-failed-at': new Date().toISOString(),
    };
    this.options.logger.error({ topic, partition, offset: message.offset, error: err.message }, 'message dead-lettered');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.producer.send({
          topic: dlqTopic(topic),
          acks: -1,
          messages: [{ key: message.key, value: message.value, headers }],
        });
        this.options.metrics?.messagesConsumed.inc({ topic, outcome: 'dead_lettered' });
        return;
      } catch (sendError) {
        this.options.logger.warn({ err: sendError, attempt }, 'could not publish to the DLQ; retrying');
        await this.backoff(attempt, this.options.retryBaseMs, heartbeat, isRunning);
      }
    }
  }

  private async backoff(
    attempt: number,
    baseMs: number,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<void> {
    const delay = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(attempt - 1, 16));
    const deadline = Date.now() + delay;
    while (Date.now() < deadline) {
      if (!isRunning() || this.stopping) throw new ConsumerStoppedError();
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, deadline - Date.now())));
      await heartbeat().catch(() => undefined);
    }
  }
}
