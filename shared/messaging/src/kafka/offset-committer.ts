import type { Logger } from '@orders/platform';

/**
 * Commits offsets for the group: KafkaJS's `commitOffsetsIfNecessary` of an eachBatch payload,
 * which (unlike `consumer.commitOffsets`) still works while the consumer is stopping.
 */
export type CommitOffsets = (offsets: {
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
}) => Promise<void>;

/**
 * Coalesces offset commits: offsets marked done wait up to `intervalMs` and then go to the
 * broker in one OffsetCommit request for every partition, instead of one request per
 * fetched batch (at tens of batches a second per partition, commits would cost the broker
 * and the service more than the messages). Only offsets whose effects are durable are ever
 * marked, so a crash redelivers at most `intervalMs` of messages, which the consumer drops
 * as duplicates. Commits are serialized, so a partition's committed offset only moves forward.
 */
export class OffsetCommitter {
  /** Next offset to consume, by `topic:partition`. */
  private readonly pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private commit: CommitOffsets | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly onCommit?: (partitions: number) => void,
  ) {}

  /** `lastDone` is durable: commit past it with the next flush (at once when the interval is 0). */
  mark(topic: string, partition: number, lastDone: string, commit: CommitOffsets): Promise<void> {
    this.pending.set(`${topic}:${partition}`, { topic, partition, offset: (BigInt(lastDone) + 1n).toString() });
    this.commit = commit;
    if (this.intervalMs === 0) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
    return Promise.resolve();
  }

  /** After a rebalance: forgets offsets of partitions this member no longer holds. */
  retain(assignment: Record<string, number[]>): void {
    for (const [key, { topic, partition }] of this.pending) {
      if (!assignment[topic]?.includes(partition)) this.pending.delete(key);
    }
  }

  /** Commits everything marked so far; resolves once it is committed (or the commit failed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight = this.inFlight.then(() => this.commitPending());
    return this.inFlight;
  }

  private async commitPending(): Promise<void> {
    const commit = this.commit;
    if (this.pending.size === 0 || !commit) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of offsets) {
      const partitions = byTopic.get(topic) ?? [];
      partitions.push({ partition, offset });
      byTopic.set(topic, partitions);
    }
    try {
      await commit({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
      this.onCommit?.(offsets.length);
    } catch (error) {
      // Typically a rebalance: the new owner gets these messages again and skips them as duplicates.
      this.logger.warn({ err: error, offsets }, 'offset commit failed');
    }
  }
}
