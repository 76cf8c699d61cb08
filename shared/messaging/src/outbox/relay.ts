import type { Producer } from 'kafkajs';
import type { DbSettings } from '@orders/db';
import { settlesWithin } from '@orders/platform';
import { Pace } from '@orders/platform';
import type { Logger } from '@orders/platform';
import type { ServiceMetrics } from '@orders/platform';
import type { HandoffTarget } from './handoff.js';
import type { Outbox } from './outbox.js';
import type { OutboxMessage } from './outbox-rows.js';
import { RelayConnection } from './relay-connection.js';
import { RelaySender } from './relay-sender.js';

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
  outbox?: Outbox;
}

const RECONNECT_DELAY_MS = 1000;
const STOP_TIMEOUT_MS = 5000;
/** Rows sent from a handoff are deleted together, at most this often (or with the next read). */
const DELETE_INTERVAL_MS = 100;

/**
 * Publishes committed outbox rows to Kafka in id order, then deletes them: with the read of
 * the next batch (one statement per batch), or with the idle poll, or on stop.
 *
 * Once the leader has read every committed row, its own process's transactions hand their
 * rows over after COMMIT (the Outbox's handoff) instead of raising NOTIFY: it sends them in
 * the order their COMMITs were sent, after anything it read, and deletes them in groups. A
 * NOTIFY (another replica's commit, or one of this process's that did not hand over), a
 * commit of unknown outcome and the poll make it read the outbox again; a failed send makes
 * it drop what it was handed and read from the outbox, in id order.
 *
 * It leads while its connection (RelayConnection) holds the lock, so a relay that loses
 * its connection also stops leading. A crash after the send and before the delete
 * republishes the rows not yet deleted: delivery is at least once, and consumers drop
 * duplicates by eventId.
 */
export class OutboxRelay implements HandoffTarget {
  private connection: RelayConnection | null = null;
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
  private readonly sender: RelaySender;

  constructor(private readonly options: OutboxRelayOptions) {
    this.reads = new Pace(options.minIntervalMs ?? 0);
    this.sender = new RelaySender(options.producer, options.topicPrefix ?? '', options.metrics);
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
    this.options.outbox?.handoff.attach(this);
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
    this.options.outbox?.handoff.attach(null);
    this.notify();
    const loop = this.loop;
    this.loop = null;
    if (!loop) return;
    const timeoutMs = this.options.stopTimeoutMs ?? STOP_TIMEOUT_MS;
    if (await settlesWithin(loop, timeoutMs)) return;
    this.options.logger.warn({ component: 'outbox-relay', timeoutMs }, 'outbox relay stopped with a batch unconfirmed; its rows stay in the outbox');
    const connection = this.connection;
    this.connection = null;
    this.leader = false;
    this.published = [];
    await connection?.abort();
  }

  private notify(): void {
    this.pendingWake = true;
    this.waker?.();
  }

  private async run(): Promise<void> {
    const log = this.options.logger.child({ component: 'outbox-relay' });
    while (this.running) {
      try {
        this.connection = await RelayConnection.open(
          this.options.db,
          this.options.lockName,
          () => this.mustReadOutbox(),
          () => this.notify(),
        );
        while (this.running) {
          if (!this.leader) this.leader = await this.tryLead(log);
          if (this.leader) await this.publish();
          // Sent rows are deleted within DELETE_INTERVAL_MS, also when nothing else comes.
          await this.sleep(this.published.length > 0 ? Math.min(DELETE_INTERVAL_MS, this.options.pollIntervalMs) : this.options.pollIntervalMs);
        }
      } catch (error) {
        if (this.running) log.warn({ err: error }, 'outbox relay failed; reconnecting');
        // Take no handoff until reconnected and read: what was handed over is in the outbox,
        // and the next leader (or this one) reads it in id order.
        this.caughtUp = false;
        this.options.outbox?.handoff.reset();
        await this.sleep(RECONNECT_DELAY_MS);
      } finally {
        await this.disconnect(log);
      }
    }
  }

  private async tryLead(log: Logger): Promise<boolean> {
    const leads = await this.requireConnection().tryLead(this.options.lockName);
    if (leads) log.info('outbox relay is the leader');
    return leads;
  }

  /** The leader's turn: reads the outbox when it must (or the poll is due), then sends what was handed over. */
  private async publish(): Promise<void> {
    // The poll reads too: rows of a replica that led before come without NOTIFY.
    if (this.mustRead || !this.caughtUp || Date.now() - this.lastRead >= this.options.pollIntervalMs) {
      // Drain everything that is committed; from then on, this process's commits hand rows over.
      this.mustRead = false;
      this.lastRead = Date.now();
      await this.reads.untilDue();
      this.reads.started();
      while (this.running && (await this.publishBatch()) === this.options.batchSize);
      this.caughtUp = true;
    }
    await this.publishHanded();
  }

  private async disconnect(log: Logger): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (this.leader) log.info('outbox relay gave up leadership');
    this.leader = false;
    this.caughtUp = false;
    this.options.outbox?.handoff.reset(); // committed: the next leader reads them
    if (connection && (await connection.close(this.published))) this.published = [];
  }

  /** Publishes up to one batch; returns how many rows it published. */
  private async publishBatch(): Promise<number> {
    const messages = await this.requireConnection().nextBatch(this.published, this.options.batchSize);
    this.published = [];
    this.lastDelete = Date.now();
    if (messages.length === 0) return 0;
    await this.send(messages);
    // Rows handed over that this read also found are sent once.
    this.options.outbox?.handoff.forget(new Set(messages.map((m) => m.eventId)));
    return messages.length;
  }

  /** Sends the rows handed over, in the order their COMMITs were sent; deletes what was sent at most every DELETE_INTERVAL_MS. */
  private async publishHanded(): Promise<void> {
    const handoff = this.options.outbox?.handoff;
    if (handoff) for (let messages = handoff.take(); this.running && messages.length > 0; messages = handoff.take()) await this.send(messages);
    const due = this.published.length >= this.options.batchSize || Date.now() - this.lastDelete >= DELETE_INTERVAL_MS;
    if (this.published.length > 0 && due) {
      await this.requireConnection().deletePublished(this.published);
      this.published = [];
      this.lastDelete = Date.now();
    }
  }

  private async send(rows: readonly OutboxMessage[]): Promise<void> {
    await this.sender.send(rows);
    this.published.push(...rows.map((r) => r.eventId));
  }

  private requireConnection(): RelayConnection {
    if (!this.connection) throw new Error('outbox relay is not connected');
    return this.connection;
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
