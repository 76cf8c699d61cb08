import { Pace } from '@orders/platform';

export interface WriteBatcherOptions {
  maxBatch: number;
  maxInFlight: number;
  /** A batch starts at most this long after the one before (0: at once); a full batch does not wait. */
  minIntervalMs?: number;
  /** The most items that may wait; one more is refused at once (QueueFullError). Absent: no bound. */
  maxQueued?: number;
}

/** An item refused because `maxQueued` items already wait: the caller should come back later. */
export class QueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`${queued} writes already wait`);
    this.name = 'QueueFullError';
  }
}

/**
 * Group commit for concurrent writes: items submitted while `maxInFlight` batches are
 * being written wait and go together in the next batch, which starts no sooner than
 * `minIntervalMs` after the one before. A batch starts once the event loop has run what it
 * had in hand (`setImmediate`), so the items of one turn go together: the runs of every
 * partition one Kafka fetch returned, the requests one poll of the sockets read. At low load
 * an item is written at once (a batch of one, no added latency); under load batches grow
 * on their own, so statements, commits and WAL flushes per item fall — and with the
 * interval they grow before the CPU is saturated, not only once work queues for it.
 * A failed batch fails each of its items. With `maxQueued`, what waits is bounded: past it
 * an item is refused at once, so a flood costs refusals, not memory.
 */
export class WriteBatcher<T, R> {
  private queue: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;
  private readonly pace: Pace;
  private timer: NodeJS.Timeout | null = null;
  private gathering = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: WriteBatcherOptions,
  ) {
    this.pace = new Pace(options.minIntervalMs ?? 0);
  }

  submit(item: T): Promise<R> {
    if (this.options.maxQueued !== undefined && this.queue.length >= this.options.maxQueued) {
      return Promise.reject(new QueueFullError(this.queue.length));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.gather();
    });
  }

  /** Resolves when a batch submitted then would start without waiting out the interval. */
  untilDue(): Promise<void> {
    return this.pace.untilDue();
  }

  /** Pumps once the current turn of the event loop has submitted what it will. */
  private gather(): void {
    if (this.gathering) return;
    this.gathering = true;
    setImmediate(() => {
      this.gathering = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const wait = this.pace.wait();
      if (wait > 0 && this.queue.length < this.options.maxBatch) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.pump();
        }, wait);
        return;
      }
      this.pace.started();
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      this.write(batch.map((b) => b.item))
        .then(
          (results) => batch.forEach((b, i) => b.resolve(results[i]!)),
          (error: unknown) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.gather();
        });
    }
  }
}
