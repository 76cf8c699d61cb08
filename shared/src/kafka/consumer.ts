import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import { preparedRaw } from '../db/knex.js';
import { isTransientError } from '../db/transient.js';
import { WriteBatcher } from '../db/write-batcher.js';
import type { EventType } from '../events/contracts.js';
import { dlqTopic, EVENT_CONTRACTS, EVENT_TYPE_HEADER } from '../events/contracts.js';
import { decodeEvent, InvalidEventError, type EventEnvelope, type SagaEvent } from '../events/envelope.js';
import { sagaLogger, type Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import { PROCESSED_MESSAGES_TABLE } from '../outbox/schema.js';
import { OffsetCommitter } from './offset-committer.js';

export interface HandlerContext {
  trx: Knex.Transaction;
  log: Logger;
}

export type EventHandler<T extends EventType> = (event: EventEnvelope<T>, ctx: HandlerContext) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface BatchContext {
  trx: Knex.Transaction;
  /** A logger carrying the event's orderId, correlationId, type and id. */
  logFor(event: SagaEvent): Logger;
}

/**
 * Applies a run of events of one partition, in order, inside one transaction: the events
 * are new (duplicates already dropped) and of the handled types. A set-based handler reads
 * and locks what the whole run needs in a few statements and writes it back in a few more,
 * so the database round trips per event fall as the runs grow with the load.
 * Throwing `EventFailure` names the event at fault; any other error fails the whole run.
 */
export interface EventBatchHandler {
  readonly types: readonly EventType[];
  apply(events: readonly SagaEvent[], ctx: BatchContext): Promise<void>;
}

/** The failure of the event at `index` of a run given to `EventBatchHandler.apply`. */
export class EventFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('an event of a batched transaction failed');
  }
}

/** A batch handler that applies each event with its own handler, one after another. */
export function perEventHandler(handlers: EventHandlers): EventBatchHandler {
  return {
    types: Object.keys(handlers) as EventType[],
    async apply(events, { trx, logFor }) {
      for (const [index, event] of events.entries()) {
        const handler = handlers[event.type] as EventHandler<EventType>;
        try {
          await handler(event, { trx, log: logFor(event) });
        } catch (error) {
          throw new EventFailure(index, error);
        }
      }
    },
  };
}

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
  handler: EventBatchHandler;
  /** Attempts after the first before a failing message is dead-lettered. */
  maxRetries: number;
  retryBaseMs: number;
  /** A crashed member's partitions wait this long before the group reassigns them. */
  sessionTimeoutMs?: number;
  partitionsConsumedConcurrently?: number;
  /** The broker answers a fetch once it holds this many bytes for it, or after `fetchMaxWaitMs`. */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /** Offsets of applied messages are committed together at most this often (0: after every batch). */
  commitIntervalMs?: number;
  /** Most messages of one partition applied in one transaction. */
  maxRun?: number;
  metrics?: ServiceMetrics;
}

type Outcome = 'processed' | 'duplicate' | 'ignored' | 'dead_lettered';

interface Decoded {
  topic: string;
  partition: number;
  message: KafkaMessage;
  /** null: a type this consumer does not handle, told by the message's header (not decoded). */
  event: SagaEvent | null;
}

type RunResult = { outcomes: Outcome[] } | { error: unknown };

const MAX_BACKOFF_MS = 5000;
const DEFAULT_MAX_RUN = 200;
const DEFAULT_COMMIT_INTERVAL_MS = 200;
/** Most runs (of different partitions) applied together in one transaction. */
const MAX_COMBINED_RUNS = 64;
/** A combined transaction failed, not because of one event: apply each run alone. */
const RETRY_ALONE = Symbol('retry alone');

class ConsumerStoppedError extends Error {
  constructor() {
    super('consumer stopped while a message was being retried');
  }
}

const causeOf = (error: unknown) => (error instanceof EventFailure ? error.cause : error);

/**
 * A Kafka consumer that applies each event exactly once to the database:
 * - the event id is recorded in `processed_messages` in the same transaction as the
 *   handler's effect, so a redelivered or duplicated event changes nothing;
 * - offsets are committed only after those transactions commit (auto-commit is off);
 * - a handler that keeps failing is retried a bounded number of times and the message
 *   goes to `<topic>.dlq` with the error; invalid or unknown messages go there at once;
 * - infrastructure faults (database or broker down) are retried until they clear, so a
 *   good message is never dead-lettered because of an outage.
 * Each partition is applied in order, in runs of its messages that share one transaction
 * (see `EventBatchHandler`), which keeps per-order ordering.
 */
export class EventConsumer {
  private consumer: Consumer | null = null;
  private stopping = false;
  private readonly handledTypes: ReadonlySet<string>;
  private readonly maxRun: number;
  /**
   * Runs of partitions consumed concurrently are combined: while one transaction is being
   * applied, runs arriving from other partitions wait and go together in the next. Each
   * partition still has one run at a time, so per-partition order holds.
   */
  private readonly runs: WriteBatcher<Decoded[], RunResult>;
  private readonly offsets: OffsetCommitter;

  constructor(private readonly options: EventConsumerOptions) {
    this.handledTypes = new Set(options.handler.types);
    this.maxRun = options.maxRun ?? DEFAULT_MAX_RUN;
    this.runs = new WriteBatcher((runs) => this.applyRuns(runs), { maxBatch: MAX_COMBINED_RUNS, maxInFlight: 1 });
    this.offsets = new OffsetCommitter(options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS, options.logger, (partitions) => {
      options.metrics?.offsetCommitRequests.inc();
      options.metrics?.offsetCommits.inc(partitions);
    });
  }

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
      // With minBytes 1 a fetch returns as soon as data arrives; more lets runs grow under
      // load at the price of up to maxWaitTimeInMs more latency per hop.
      minBytes: this.options.fetchMinBytes ?? 1,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 500,
    });
    this.consumer = consumer;
    // Offsets marked before a rebalance are committed under the generation they belong to.
    consumer.on(consumer.events.REBALANCING, () => void this.offsets.flush());
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.offsets.retain(payload.memberAssignment));
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
    await this.offsets.flush();
    await consumer.stop();
    await consumer.disconnect();
    this.consumer = null;
  }

  /**
   * Applies a batch in order. Runs of up to `maxRun` valid messages share one transaction
   * (one commit instead of one each). When a run fails because of one event, the events
   * before it are applied again as a run and that event alone, its failure counted as its
   * first attempt; when a run fails for any other reason, its messages go one by one, with
   * retries and the DLQ, as `handleMessage` does.
   */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition, messages } = batch;
    let lastDone: string | null = null;
    let singlyUntil = 0;
    let failed = null as { index: number; error: unknown } | null;
    try {
      for (let i = 0; i < messages.length; ) {
        if (!isRunning() || isStale() || this.stopping) break;
        let done = 0;
        if (failed?.index !== i && i >= singlyUntil) {
          const run = messages.slice(i, failed ? failed.index : i + this.maxRun);
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
      if (lastDone !== null) await this.offsets.mark(topic, partition, lastDone, payload.commitOffsetsIfNecessary);
      // Leaving (stop or rebalance): commit now, while this member still holds the partition.
      if (!isRunning() || isStale() || this.stopping) await this.offsets.flush();
    }
  }

  /**
   * Applies the leading valid messages of `run` in one transaction; returns how many, or
   * 0 when the first message is invalid or the transaction failed (then nothing was applied),
   * with the index of the message at fault when there is one.
   */
  private async applyRun(
    topic: string,
    partition: number,
    run: KafkaMessage[],
  ): Promise<{ applied: number; failedAt?: number; error?: unknown }> {
    const decoded: Decoded[] = [];
    for (const message of run) {
      try {
        decoded.push({ topic, partition, message, event: this.decode(topic, message) });
      } catch {
        break; // handled singly: it goes to the DLQ
      }
    }
    // An invalid first message is handled alone (it goes to the DLQ); the run goes on after it.
    if (decoded.length === 0) return { applied: 0, failedAt: 0 };
    let result = await this.runs.submit(decoded);
    if ('error' in result && result.error === RETRY_ALONE) result = await this.applySettled(decoded);
    if ('outcomes' in result) {
      this.recordOutcomes(topic, decoded, result.outcomes);
      return { applied: decoded.length };
    }
    const { error } = result;
    this.options.logger.debug({ err: error, topic, partition }, 'batched transaction failed');
    const eventFault = error instanceof EventFailure && !isTransientError(error.cause);
    return eventFault ? { applied: 0, failedAt: error.index, error: error.cause } : { applied: 0 };
  }

  /**
   * Applies several runs in one transaction. When one event fails, its run gets the failure
   * and the other runs are applied again together; on any other failure each run is retried alone.
   */
  private async applyRuns(runs: Decoded[][]): Promise<RunResult[]> {
    if (runs.length === 1) return [await this.applySettled(runs[0]!)];
    const starts: number[] = [];
    let at = 0;
    for (const run of runs) {
      starts.push(at);
      at += run.length;
    }
    const result = await this.applySettled(runs.flat());
    if ('outcomes' in result) return runs.map((run, r) => ({ outcomes: result.outcomes.slice(starts[r], starts[r]! + run.length) }));
    const { error } = result;
    if (!(error instanceof EventFailure)) return runs.map(() => ({ error: RETRY_ALONE }));
    const faulty = starts.findLastIndex((start) => start <= error.index);
    const others = await this.applyRuns(runs.filter((_, r) => r !== faulty));
    const faultyResult: RunResult = { error: new EventFailure(error.index - starts[faulty]!, error.cause) };
    return [...others.slice(0, faulty), faultyResult, ...others.slice(faulty)];
  }

  private applySettled(decoded: readonly Decoded[]): Promise<RunResult> {
    return this.apply(decoded).then(
      (outcomes) => ({ outcomes }),
      (error: unknown) => ({ error }),
    );
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
    let decoded: Decoded;
    try {
      decoded = { topic, partition, message, event: this.decode(topic, message) };
    } catch (error) {
      await this.deadLetter(topic, partition, message, error, heartbeat, isRunning);
      return;
    }
    if (!decoded.event) {
      this.recordOutcomes(topic, [decoded], ['ignored']);
      return;
    }
    const log = this.logFor(decoded.event);
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
        const outcomes = await this.apply([decoded]);
        this.recordOutcomes(topic, [decoded], outcomes);
        return;
      } catch (caught) {
        error = causeOf(caught);
      }
    }
  }

  /** The event in a message, validated against its topic's contracts; null for a type not handled here. */
  private decode(topic: string, message: KafkaMessage): SagaEvent | null {
    const contractTopic = topic.slice((this.options.topicPrefix ?? '').length);
    // A known type of this topic that is not handled here needs no parsing; anything else is
    // decoded and validated, so an unknown type still goes to the DLQ.
    const type = message.headers?.[EVENT_TYPE_HEADER]?.toString() as EventType | undefined;
    if (type && !this.handledTypes.has(type) && EVENT_CONTRACTS[type]?.topic === contractTopic) return null;
    const event = decodeEvent(message.value, contractTopic);
    return this.handledTypes.has(event.type) ? event : null;
  }

  /** Applies decoded messages in one transaction, or none when none of them is handled here. */
  private async apply(decoded: readonly Decoded[]): Promise<Outcome[]> {
    if (decoded.every((d) => d.event === null)) return decoded.map(() => 'ignored');
    const outcomes = await this.options.db.transaction((trx) => this.applyInTransaction(trx, decoded));
    this.options.metrics?.consumerTransactionSize.observe(decoded.length);
    return outcomes;
  }

  private readonly logFor = (event: SagaEvent): Logger =>
    sagaLogger(this.options.logger, event.orderId, event.correlationId).child({ eventType: event.type, eventId: event.eventId });

  private recordOutcomes(topic: string, decoded: readonly Decoded[], outcomes: readonly Outcome[]): void {
    outcomes.forEach((outcome, k) => {
      this.options.metrics?.messagesConsumed.inc({ topic, outcome });
      if (outcome === 'duplicate') this.logFor(decoded[k]!.event!).info('duplicate event skipped');
    });
  }

  /**
   * Records the handled events in `processed_messages` (one statement) and hands the ones
   * recorded for the first time to the handler, in the caller's transaction.
   */
  private async applyInTransaction(trx: Knex.Transaction, decoded: readonly Decoded[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = decoded.map(({ event }) => (event ? 'processed' : 'ignored'));
    const handled = decoded.flatMap((d) => (d.event ? [{ ...d, event: d.event }] : []));
    if (handled.length === 0) return outcomes;
    const { rows } = await preparedRaw<{ rows: { event_id: string }[] }>(
      trx,
      `insert into ${PROCESSED_MESSAGES_TABLE} (consumer_group, event_id, event_type, topic, partition, "offset")
       select ?, m.event_id, m.event_type, m.topic, m.partition, m.message_offset
       from unnest(?::uuid[], ?::text[], ?::text[], ?::int[], ?::bigint[])
         as m(event_id, event_type, topic, partition, message_offset)
       on conflict (consumer_group, event_id) do nothing
       returning event_id`,
      [
        this.options.groupId,
        handled.map((d) => d.event.eventId),
        handled.map((d) => d.event.type),
        handled.map((d) => d.topic),
        handled.map((d) => d.partition),
        handled.map((d) => d.message.offset),
      ],
    );
    const firstSeen = new Set(rows.map((r) => r.event_id));
    const events: SagaEvent[] = [];
    const indexInRun: number[] = [];
    decoded.forEach(({ event }, k) => {
      if (!event) return;
      // A second copy in the same run finds the id already taken by the first.
      if (firstSeen.delete(event.eventId.toLowerCase())) {
        events.push(event);
        indexInRun.push(k);
      } else {
        outcomes[k] = 'duplicate';
      }
    });
    if (events.length === 0) return outcomes;
    try {
      await this.options.handler.apply(events, { trx, logFor: this.logFor });
    } catch (error) {
      throw error instanceof EventFailure ? new EventFailure(indexInRun[error.index]!, error.cause) : error;
    }
    return outcomes;
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
