import type { Kafka, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { ConsumerSettings } from '../messaging-settings.js';
import type { Logger } from '@orders/platform';
import type { ServiceMetrics } from '@orders/platform';
import type { Outbox } from '../outbox/outbox.js';
import type { EventStep } from './event-step.js';

/** Everything an EventConsumer runs with; the values come from the service's settings (config.ts). */
export interface EventConsumerOptions {
  kafka: Kafka;
  /** Used to publish to `<topic>.dlq`. */
  producer: Producer;
  db: Knex;
  logger: Logger;
  groupId: string;
  /** Contract topic names; the consumer subscribes to them with `topicPrefix` in front. */
  topics: string[];
  topicPrefix: string;
  step: EventStep;
  /** Attempts after the first before a failing message is dead-lettered. */
  maxRetries: number;
  retryBaseMs: number;
  /** A crashed member's partitions wait this long before the group reassigns them. */
  sessionTimeoutMs: number;
  partitionsConsumedConcurrently: number;
  /** The broker answers a fetch once it holds this many bytes for it, or after `fetchMaxWaitMs`. */
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  /** Offsets of applied messages are committed together at most this often (0: after every batch). */
  commitIntervalMs: number;
  /** Most messages of one partition applied in one transaction. */
  maxRun: number;
  /** A consumer transaction starts at most this long after the one before (BATCH_INTERVAL_MS). */
  batchIntervalMs?: number;
  /** Commits each transaction with the events its step sends. */
  outbox: Outbox;
  metrics?: ServiceMetrics;
}

/**
 * A consumer's batch interval: two thirds of BATCH_INTERVAL_MS. The saga's batches start at
 * the group commit of `POST /orders`, at most one per BATCH_INTERVAL_MS, and travel from
 * consumer to consumer. A consumer fetches only once its own interval has passed since its
 * last transaction started, and the fetch takes a few milliseconds more, so at the full
 * interval its turn was a little longer than the rhythm of the batches reaching it: it met
 * each at a random point of its wait, and an event waited about half a turn at the broker,
 * at every hop. With a turn shorter than that rhythm it is mostly fetching already when the
 * next batch lands, and takes it at once; the price can be some more, smaller transactions.
 * Measured (docs/benchmarks.md, 2026-11-29): 10 against 15 ms at 500
 * orders/s, six alternating pairs, p50 61 against 72 ms on average, CPU per order +6 %; in
 * two pairs of sweeps, p50 lower at every step of the first (48 against 70 ms at half load)
 * and CPU per order 4.5 and 6.1 % lower at one load.
 */
export function consumerIntervalMs(batchIntervalMs: number): number {
  return Math.round((batchIntervalMs * 2) / 3);
}

/** The consumer's tuning, from the service's `consumer` settings. */
export function consumerTuning(settings: ConsumerSettings) {
  return {
    maxRetries: settings.maxRetries,
    retryBaseMs: settings.retryBaseMs,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    partitionsConsumedConcurrently: settings.concurrency,
    fetchMinBytes: settings.fetchMinBytes,
    fetchMaxWaitMs: settings.fetchMaxWaitMs,
    commitIntervalMs: settings.commitIntervalMs,
    maxRun: settings.maxRun,
  } satisfies Partial<EventConsumerOptions>;
}
