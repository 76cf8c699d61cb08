import { type EventEnvelope, type Outbox } from '@orders/messaging';
import { type Logger, PeriodicWorker, type Worker } from '@orders/platform';
import { type Knex } from 'knex';
import { requestCompensation, startCancellation } from './commands.js';
import { lockOverdueOrders, lockStaleCancellations, sweepDue, updateOrder } from './repository.js';

const BATCH = 200;

/**
 * Keeps every saga moving: an order still PENDING or RESERVED after its
 * deadline is cancelled with reason TIMEOUT and compensated; a cancellation whose
 * compensation has not been confirmed for a while is asked for again. Rows are taken
 * with SKIP LOCKED, so any number of replicas can sweep at once.
 */
export class SagaSweeper implements Worker {
  readonly name = 'saga sweeper';
  private readonly periodic: PeriodicWorker;

  constructor(
    private readonly db: Knex,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; compensationRetryMs: number },
  ) {
    this.periodic = new PeriodicWorker(this.name, logger, { intervalMs: options.intervalMs }, async () => void (await this.sweep()));
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass; returns how many orders it acted on. A pass with nothing due is one statement. */
  async sweep(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.options.compensationRetryMs);
    const due = await sweepDue(this.db, now, before);
    return (due.overdue ? await this.cancelOverdue(now) : 0) + (due.stale ? await this.askAgain(before) : 0);
  }

  /** Cancels every open order past its deadline, a batch per transaction. */
  private async cancelOverdue(now: Date): Promise<number> {
    let acted = 0;
    for (;;) {
      const n = await this.outbox.transaction(this.db, async (trx) => {
        const overdue = await lockOverdueOrders(trx, now, BATCH);
        const events: EventEnvelope[] = [];
        for (const row of overdue) {
          events.push(...(await startCancellation(trx, row, 'TIMEOUT')).events);
          this.logger.info({ orderId: row.id, correlationId: row.correlation_id, from: row.status }, 'order timed out; cancelling');
        }
        return { result: overdue.length, events };
      });
      acted += n;
      if (n < BATCH) return acted;
    }
  }

  /** Asks again for the compensation of cancellations not confirmed since `before`. */
  private askAgain(before: Date): Promise<number> {
    return this.outbox.transaction(this.db, async (trx) => {
      const stale = await lockStaleCancellations(trx, before, BATCH);
      const events: EventEnvelope[] = [];
      for (const row of stale) {
        events.push(...(await requestCompensation(trx, row, row.reason === 'TIMEOUT' ? 'TIMEOUT' : 'CUSTOMER_REQUEST')));
        await updateOrder(trx, row.id, {}); // restarts the retry clock
        this.logger.warn({ orderId: row.id, correlationId: row.correlation_id }, 'compensation not confirmed; asking again');
      }
      return { result: stale.length, events };
    });
  }
}
