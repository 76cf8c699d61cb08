import { Client } from 'pg';
import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import type { Message, Producer } from 'kafkajs';
import { EVENT_TYPE_HEADER } from '@orders/contracts';
import type { DbSettings } from '../config/index.js';
import { pgConnection, statementName } from '../db/knex.js';
import { settlesWithin } from '../deadline.js';
import { Pace } from '../pace.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import { contextOfTraceparent, endFailed, headersOf, messagingSpan } from '../tracing/trace-context.js';
import { OUTBOX_CHANNEL, OUTBOX_TABLE } from './outbox-table.js';
import type { HandoffTarget, OutboxHandoff, OutboxMessage } from './handoff.js';

export interface OutboxRelayOptions {
  db: DbSettings;
  producer: Producer;
  logger: Logger;
  /** Advisory lock that makes one relay per database active at any replica count. */
  lockName: string;
  batchSize: number;
  /** Put before the contract's topic name (see KAFKA_TOPIC_PREFIX). */
  topicPrefix?: string;
  /** Fallback poll when no NOTIFY arrives; also how often a standby tries to take over. */
  pollIntervalMs: number;
  /** Reading a batch starts at most this long after the one before (a full batch's successor does not wait). */
  minIntervalMs?: number;
  metrics?: ServiceMetrics;
  /** `stop()` waits this long for the batch in flight (default 5 s). */
  stopTimeoutMs?: number;
  /** The process's commits hand their rows to this relay through it, while it leads. */
  handoff?: OutboxHandoff;
}

interface OutboxRow {
  id: string;
  event_id: string;
  topic: string;
  message_key: string;
  event_type: string;
  /** The JSON text, sent as it is stored. */
  envelope: string;
  trace_context: string | null;
}

const RECONNECT_DELAY_MS = 1000;
const STOP_TIMEOUT_MS = 5000;
/** Rows sent from a handoff are deleted together, at most this often (or with the next read). */
const DELETE_INTERVAL_MS = 100;

const prepared = (text: string) => ({ name: statementName(text), text });
const DELETE_PUBLISHED = prepared(`delete from ${OUTBOX_TABLE} where event_id = any($1::uuid[])`);
/** Deletes the rows published since the last delete and reads the next batch, in one round trip. */
const NEXT_BATCH = prepared(
  `with published as (${DELETE_PUBLISHED.text})
   select id, event_id, topic, message_key, event_type, envelope::text as envelope, trace_context from ${OUTBOX_TABLE}
   where event_id <> all($1::uuid[]) order by id limit $2`,
);

const messageOf = (row: OutboxRow): OutboxMessage => ({
  eventId: row.event_id,
  topic: row.topic,
  key: row.message_key,
  type: row.event_type,
  envelope: row.envelope,
  traceContext: row.trace_context,
});

/**
 * Publishes committed outbox rows to Kafka in id order, then deletes them: with the read of
 * the next batch (one statement per batch), or with the idle poll, or on stop.
 *
 * Once the leader has read every committed row, its own process's transactions hand their
 * rows over after COMMIT (OutboxHandoff) instead of raising NOTIFY: it sends them in the
 * order their COMMITs were sent, after anything it read, and deletes them in groups. A
 * NOTIFY (another replica's commit, or one of this process's that did not hand over), a
 * commit of unknown outcome and the poll make it read the outbox again; a failed send
 * makes it drop what it was handed and read from the outbox, in id order.
 *
 * One dedicated connection holds a session advisory lock (the relay is the leader while
 * it holds it), LISTENs for commits, and reads and deletes rows, so a relay that loses its
 * connection also loses the lock and stops. A crash after the send and before the delete
 * republishes the rows not yet deleted: delivery is at least once, and consumers drop
 * duplicates by eventId.
 */
export class OutboxRelay implements HandoffTarget {
  private client: Client | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private waker: (() => void) | null = null;
  private pendingWake = false;
  private leader = false;
  /** Event ids sent to Kafka whose rows are deleted with the next read or delete (or on stop). */
  private published: string[] = [];
  /** The leader has read every row committed before its last read: commits may hand rows over. */
  private caughtUp = false;
  /** A NOTIFY, a commit of this process that raised NOTIFY or failed: rows are in the outbox unread. */
  private mustRead = true;
  private lastRead = 0;
  private lastDelete = 0;
  /** Reads of the outbox, at most one per `minIntervalMs`. */
  private readonly reads: Pace;

  private readonly topicPrefix: string;

  constructor(private readonly options: OutboxRelayOptions) {
    this.topicPrefix = options.topicPrefix ?? '';
    this.reads = new Pace(options.minIntervalMs ?? 0);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  acceptsHandoff(): boolean {
    return this.running && this.leader && this.caughtUp && !this.mustRead;
  }

  mustReadOutbox(): void {
    this.mustRead = true;
    this.notify();
  }

  wake(): void {
    this.notify();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.handoff?.attach(this);
    this.loop = this.run();
  }

  /**
   * Finishes the batch in flight, releases the lock and closes the connection. When the
   * batch cannot finish in time (Kafka unreachable: the producer keeps retrying), it closes
   * the connection anyway: that releases the lock, and the batch's rows stay in the outbox
   * for the next leader (consumers drop what was sent twice).
   */
  async stop(): Promise<void> {
    this.running = false;
    this.options.handoff?.attach(null);
    this.notify();
    const loop = this.loop;
    this.loop = null;
    if (!loop) return;
    const timeoutMs = this.options.stopTimeoutMs ?? STOP_TIMEOUT_MS;
    if (await settlesWithin(loop, timeoutMs)) return;
    this.options.logger.warn({ component: 'outbox-relay', timeoutMs }, 'outbox relay stopped with a batch unconfirmed; its rows stay in the outbox');
    const client = this.client;
    this.client = null;
    this.leader = false;
    this.published = [];
    await client?.end().catch(() => undefined);
  }

  private notify(): void {
    this.pendingWake = true;
    this.waker?.();
  }

  private async run(): Promise<void> {
    const log = this.options.logger.child({ component: 'outbox-relay' });
    while (this.running) {
      try {
        await this.connect();
        while (this.running) {
          if (!this.leader) this.leader = await this.tryLock();
          if (this.leader) {
            // The poll reads too: rows of a replica that led before come without NOTIFY.
            if (this.mustRead || !this.caughtUp || Date.now() - this.lastRead >= this.options.pollIntervalMs) {
              // Drain everything that is committed; from then on, this process's commits hand rows over.
              this.mustRead = false;
              this.lastRead = Date.now();
              await this.pace();
              while (this.running && (await this.publishBatch()) === this.options.batchSize);
              this.caughtUp = true;
            }
            await this.publishHanded();
          }
          // Sent rows are deleted within DELETE_INTERVAL_MS, also when nothing else comes.
          await this.sleep(this.published.length > 0 ? Math.min(DELETE_INTERVAL_MS, this.options.pollIntervalMs) : this.options.pollIntervalMs);
        }
      } catch (error) {
        if (this.running) log.warn({ err: error }, 'outbox relay failed; reconnecting');
        // Take no handoff until reconnected and read: what was handed over is in the outbox,
        // and the next leader (or this one) reads it in id order.
        this.caughtUp = false;
        this.options.handoff?.reset();
        await this.sleep(RECONNECT_DELAY_MS);
      } finally {
        await this.disconnect(log);
      }
    }
  }

  private async connect(): Promise<void> {
    const { db } = this.options;
    const client = new Client(pgConnection(db, `${this.options.lockName}-relay`));
    client.on('error', () => undefined); // surfaced by the next query; the loop reconnects
    client.on('notification', () => {
      this.mustRead = true;
      this.notify();
    });
    client.on('end', () => this.notify());
    await client.connect();
    this.client = client;
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
  }

  private async disconnect(log: Logger): Promise<void> {
    const client = this.client;
    this.client = null;
    if (this.leader) log.info('outbox relay gave up leadership');
    this.leader = false;
    this.caughtUp = false;
    this.options.handoff?.reset(); // committed: the next leader reads them
    if (client && this.published.length > 0) {
      // Best effort: rows left behind are published again by the next leader (consumers drop duplicates).
      await client.query({ ...DELETE_PUBLISHED, values: [this.published] }).then(
        () => (this.published = []),
        () => undefined,
      );
    }
    if (client) await client.end().catch(() => undefined); // ending the session releases the lock
  }

  private async tryLock(): Promise<boolean> {
    const { rows } = await this.requireClient().query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtextextended($1, 0)) as locked',
      [`outbox-relay:${this.options.lockName}`],
    );
    const locked = rows[0]?.locked === true;
    if (locked) this.options.logger.info({ component: 'outbox-relay' }, 'outbox relay is the leader');
    return locked;
  }

  /** Publishes up to one batch; returns how many rows it published. */
  private async publishBatch(): Promise<number> {
    const client = this.requireClient();
    const { rows } = await client.query<OutboxRow>({ ...NEXT_BATCH, values: [this.published, this.options.batchSize] });
    this.published = [];
    this.lastDelete = Date.now();
    if (rows.length === 0) return 0;
    const messages = rows.map(messageOf);
    await this.send(messages);
    // Rows handed over that this read also found are sent once.
    this.options.handoff?.forget(new Set(messages.map((m) => m.eventId)));
    return rows.length;
  }

  /** Sends the rows handed over, in the order their COMMITs were sent; deletes what was sent at most every DELETE_INTERVAL_MS. */
  private async publishHanded(): Promise<void> {
    const handoff = this.options.handoff;
    if (handoff) for (let messages = handoff.take(); this.running && messages.length > 0; messages = handoff.take()) await this.send(messages);
    const due = this.published.length >= this.options.batchSize || Date.now() - this.lastDelete >= DELETE_INTERVAL_MS;
    if (this.published.length > 0 && due) {
      await this.requireClient().query({ ...DELETE_PUBLISHED, values: [this.published] });
      this.published = [];
      this.lastDelete = Date.now();
    }
  }

  /** Sends messages (acks from all in-sync replicas) and notes them as published. */
  private async send(rows: readonly OutboxMessage[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    const spans: Span[] = [];
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      const headers: Record<string, string> = { [EVENT_TYPE_HEADER]: row.type };
      if (row.traceContext) {
        const span = this.publishSpan(row);
        spans.push(span);
        Object.assign(headers, headersOf(trace.setSpan(ROOT_CONTEXT, span)));
      }
      messages.push({ key: row.key, value: row.envelope, headers });
      byTopic.set(row.topic, messages);
    }
    try {
      await this.options.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: this.topicPrefix + topic, messages })),
      });
    } catch (error) {
      endFailed(spans, error);
      throw error;
    }
    for (const span of spans) span.end();
    this.published.push(...rows.map((r) => r.eventId));
    this.options.metrics?.outboxPublished.inc(rows.length);
    this.options.metrics?.outboxBatchSize.observe(rows.length);
  }

  /** A span from the outbox row's trace to the send's acknowledgement; the consumer's span is its child. */
  private publishSpan(row: OutboxMessage): Span {
    return messagingSpan(
      'publish',
      row.type,
      { 'messaging.destination.name': this.topicPrefix + row.topic, 'messaging.kafka.message.key': row.key },
      contextOfTraceparent(row.traceContext),
    );
  }

  /** Waits until `minIntervalMs` has passed since the last read started, so commits meanwhile join it. */
  private async pace(): Promise<void> {
    await this.reads.untilDue();
    this.reads.started();
  }

  private requireClient(): Client {
    if (!this.client) throw new Error('outbox relay is not connected');
    return this.client;
  }

  private sleep(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.waker = null;
        self.pendingWake = false;
        resolve();
      }
      this.waker = done;
    });
  }
}
