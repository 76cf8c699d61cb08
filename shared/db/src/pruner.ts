import type { Knex } from 'knex';
import type { Logger } from '@orders/platform';
import { PeriodicWorker, type Worker } from '@orders/platform';

/** Rows of one table that may go once they are older than `retentionMs`. */
export interface PruneTarget {
  table: string;
  /** When the row stopped changing (insert time, or the time of its last change). */
  timeColumn: string;
  retentionMs: number;
  /** Only rows that also match this SQL condition (e.g. finished reservations). */
  where?: string;
}

const BATCH = 1000;

/**
 * Keeps the tables that only guard against repeated or late messages (processed event
 * ids, idempotency keys, tombstones of cancelled orders, finished reservations) from
 * growing without end: every `intervalMs` it deletes what is past its retention, in small
 * batches so no statement holds locks for long. Any number of replicas may run it.
 */
export class Pruner implements Worker {
  readonly name = 'pruner';
  private readonly periodic: PeriodicWorker;

  constructor(
    private readonly db: Knex,
    logger: Logger,
    private readonly targets: readonly PruneTarget[],
    intervalMs: number,
  ) {
    this.periodic = new PeriodicWorker(this.name, logger, { intervalMs, runAtStart: true }, async () => {
      const pruned = await this.prune();
      if (Object.values(pruned).some((n) => n > 0)) logger.info({ pruned }, 'pruned old rows');
    });
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass over every target; returns the rows deleted per table. */
  async prune(now = new Date()): Promise<Record<string, number>> {
    const pruned: Record<string, number> = {};
    for (const target of this.targets) {
      const cutoff = new Date(now.getTime() - target.retentionMs);
      let deleted = 0;
      for (;;) {
        const { rowCount } = await this.db.raw<{ rowCount: number }>(
          `delete from ?? where ctid = any(array(
             select ctid from ?? where ?? < ?${target.where ? ` and (${target.where})` : ''} limit ${BATCH}))`,
          [target.table, target.table, target.timeColumn, cutoff],
        );
        deleted += rowCount;
        if (rowCount < BATCH) break;
      }
      pruned[target.table] = deleted;
    }
    return pruned;
  }
}
