import type { Knex } from 'knex';
import type { Logger } from '../logger.js';
import type { Worker } from '../service.js';

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
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: Knex,
    private readonly logger: Logger,
    private readonly targets: readonly PruneTarget[],
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const tick = () => {
      this.running ??= this.prune()
        .then((pruned) => {
          if (Object.values(pruned).some((n) => n > 0)) this.logger.info({ pruned }, 'pruned old rows');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'pruning failed; will retry'))
        .finally(() => (this.running = null));
    };
    this.timer = setInterval(tick, this.intervalMs);
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
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
