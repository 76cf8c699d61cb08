import { performance } from 'node:perf_hooks';
import { context, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import type { Knex } from 'knex';
import type { QueryResult } from 'pg';
import { lockKeys } from '@orders/db';
import { inBatchedTransaction, type BatchedTransaction } from '@orders/db';
import { WriteBatcher } from '@orders/db';
import type { SagaEvent } from '../events/envelope.js';
import type { EventLogs } from '../event-logs.js';
import type { ServiceMetrics } from '@orders/platform';
import type { Outbox } from '../outbox/outbox.js';
import { EventFailure, type EventStep } from './event-step.js';
import { firstDeliveries, recordDeliveries } from './inbox.js';
import { locateInRuns } from './run-planner.js';
import { endFailed, messagingSpan, withOrderTraces } from '@orders/platform';
import { contextOfHeaders } from './trace-headers.js';

export type Outcome = 'processed' | 'duplicate' | 'ignored' | 'dead_lettered';

/** A message with its event; null for a type this consumer does not handle. */
export interface Decoded {
  topic: string;
  partition: number;
  message: KafkaMessage;
  event: SagaEvent | null;
}

export type RunResult = { outcomes: Outcome[] } | { error: unknown };

/** A combined transaction failed, not because of one event: apply each run alone. */
const RETRY_ALONE = Symbol('retry alone');

export interface RunApplierOptions {
  db: Knex;
  groupId: string;
  step: EventStep;
  logs: EventLogs;
  /** A transaction starts at most this long after the one before (0: at once). */
  minIntervalMs?: number;
  /** Most runs (of different partitions) applied together in one transaction; the consumer's concurrency. */
  maxCombinedRuns: number;
  /** Commits each transaction with the events its step sends. */
  outbox: Outbox;
  metrics?: ServiceMetrics;
}

/**
 * Applies runs of decoded messages, each event exactly once: its id goes into the inbox in
 * the same transaction as the handler's effect. Runs of different partitions are combined:
 * while one transaction is being applied, the runs that arrive wait and go together in
 * the next (each partition has one run at a time, so per-partition order holds). When one
 * event fails a combined transaction, its run gets the failure and the others are applied
 * again together; on any other failure each run is applied alone.
 */
export class RunApplier {
  private readonly combined: WriteBatcher<Decoded[], RunResult>;

  constructor(private readonly options: RunApplierOptions) {
    this.combined = new WriteBatcher((runs) => this.applyCombined(runs), {
      maxBatch: options.maxCombinedRuns,
      maxInFlight: 1,
      minIntervalMs: options.minIntervalMs ?? 0,
    });
  }

  /** Applies a run with others that arrive meanwhile; the result of this run only. */
  async applyRun(run: Decoded[]): Promise<RunResult> {
    // Skipping needs no transaction, so it must not take a transaction's turn: the consumer
    // fetches again only after the run, and the next run would wait out the batch interval.
    const ignored = ignoredAll(run);
    if (ignored) return { outcomes: ignored };
    const result = await this.combined.submit(run);
    return 'error' in result && result.error === RETRY_ALONE ? this.settled(run) : result;
  }

  /** Resolves when a transaction started then would not wait out the batch interval. */
  untilNextTransaction(): Promise<void> {
    return this.combined.untilDue();
  }

  /** Applies messages in one transaction of their own, or none when none is handled here. */
  async apply(decoded: readonly Decoded[]): Promise<Outcome[]> {
    const ignored = ignoredAll(decoded);
    if (ignored) return ignored;
    const spans = decoded.map((d) => (d.event ? processSpan(d, d.event) : null));
    const traced = spans.filter((s): s is Span => s !== null);
    const byOrder = new Map<string, Context>();
    decoded.forEach((d, k) => d.event && byOrder.set(d.event.orderId, trace.setSpan(ROOT_CONTEXT, spans[k]!)));
    // The statements belong to one event's span only when the transaction applies one event.
    const base = traced.length === 1 ? trace.setSpan(context.active(), traced[0]!) : ROOT_CONTEXT;
    const started = performance.now();
    try {
      const outcomes = await withOrderTraces(base, byOrder, () => inBatchedTransaction(this.options.db, (tx) => this.applyInTransaction(tx, decoded)));
      outcomes.forEach((outcome, k) => spans[k]?.setAttribute('orders.outcome', outcome).end());
      this.options.metrics?.consumerTransactionSize.observe(decoded.length);
      this.options.metrics?.consumerTransactionSeconds.observe((performance.now() - started) / 1000);
      return outcomes;
    } catch (error) {
      endFailed(traced, error);
      throw error;
    }
  }

  private async applyCombined(runs: Decoded[][]): Promise<RunResult[]> {
    if (runs.length === 1) return [await this.settled(runs[0]!)];
    const result = await this.settled(runs.flat());
    if ('outcomes' in result) {
      let at = 0;
      return runs.map((run) => ({ outcomes: result.outcomes.slice(at, (at += run.length)) }));
    }
    const { error } = result;
    if (!(error instanceof EventFailure)) return runs.map(() => ({ error: RETRY_ALONE }));
    const faulty = locateInRuns(
      runs.map((r) => r.length),
      error.index,
    );
    const others = await this.applyCombined(runs.filter((_, r) => r !== faulty.run));
    return [...others.slice(0, faulty.run), { error: new EventFailure(faulty.index, error.cause) }, ...others.slice(faulty.run)];
  }

  private settled(decoded: readonly Decoded[]): Promise<RunResult> {
    return this.apply(decoded).then(
      (outcomes) => ({ outcomes }),
      (error: unknown) => ({ error }),
    );
  }

  /**
   * Records the handled events in the inbox and loads what they need (one round trip), hands
   * those new to the step, and writes its result back, and the events it sends, with COMMIT
   * (one more).
   */
  private async applyInTransaction(tx: BatchedTransaction, decoded: readonly Decoded[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = decoded.map(({ event }) => (event ? 'processed' : 'ignored'));
    const deliveries = decoded.flatMap((d) =>
      d.event ? [{ event: d.event, topic: d.topic, partition: d.partition, offset: d.message.offset }] : [],
    );
    if (deliveries.length === 0) return outcomes;
    const { step, groupId, logs } = this.options;
    const handled = deliveries.map((d) => d.event);
    const orderIds = [...new Set(handled.map((e) => e.orderId))];
    const loads = Object.entries(step.load(handled, orderIds));
    const locks = step.lockOrders ? [lockKeys(orderIds)] : [];
    const [recorded, ...results] = await tx.send([recordDeliveries(groupId, deliveries), ...locks, ...loads.map(([, s]) => s)]);
    const loaded: Record<string, QueryResult> = Object.fromEntries(loads.map(([name], k) => [name, results[locks.length + k]!]));
    const firstSeen = firstDeliveries(recorded!);
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
    if (events.length === 0) return outcomes; // nothing was recorded: the transaction is rolled back
    let played;
    try {
      played = await step.play(events, loaded, logs);
    } catch (error) {
      throw error instanceof EventFailure ? new EventFailure(indexInRun[error.index]!, error.cause) : error;
    }
    played.record?.writeNotes(logs);
    await this.options.outbox.commit(tx, played.writes, played.record?.envelopes() ?? []);
    return outcomes;
  }
}

/** The outcomes of messages none of which this consumer handles; null when it handles one. */
function ignoredAll(decoded: readonly Decoded[]): Outcome[] | null {
  return decoded.every((d) => d.event === null) ? decoded.map(() => 'ignored') : null;
}

/** A span for one event's handling, the child of the span that published it. */
function processSpan(d: Decoded, event: SagaEvent): Span {
  return messagingSpan(
    'process',
    event.type,
    {
      'messaging.destination.name': d.topic,
      'messaging.destination.partition.id': String(d.partition),
      'messaging.kafka.offset': Number(d.message.offset),
      'messaging.message.id': event.eventId,
      'orders.order_id': event.orderId,
    },
    contextOfHeaders(d.message.headers),
  );
}
