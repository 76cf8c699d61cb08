import { type EventEnvelope, type Outbox } from '@orders/messaging';
import { type Logger, PeriodicWorker, type Worker } from '@orders/platform';
import { type Knex } from 'knex';
import { requestCompensation, startCancellation } from './commands.js';
import { compensationFollowUp } from './domain.js';
import { lockOverdueOrders, lockStaleCancellations, sweepDue, updateOrder } from './repository.js';

const BATCH = 200;

/**
 * Keeps every saga moving: an order still PENDING or RESERVED after its
 * deadline is cancelled with reason TIMEOUT and compensated; a cancellation whose
 * compensation has not been confirmed in its wait is asked for again, each wait twice the
 * one before, at most `compensationMaxRequests` times, and then left CANCEL_STALLED for an
 * operator (counted, logged as an error). Rows are taken with SKIP LOCKED, so any number
 * of replicas can sweep at once.
 */
export class SagaSweeper implements Worker {
  readonly name = 'saga sweeper';
  private readonly periodic: PeriodicWorker;

  constructor(
    private readonly db: Knex,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly options: {
      intervalMs: number;
      compensationRetryMs: number;
      compensationMaxRequests: number;
      stalled: { inc(): void };
    },
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
    const due = await sweepDue(this.db, now, this.options.compensationRetryMs);
    return (due.overdue ? await this.cancelOverdue(now) : 0) + (due.stale ? await this.followUp(now) : 0);
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

  /** Asks again for the compensation of cancellations not confirmed in their wait, or stalls those asked often enough. */
  private followUp(now: Date): Promise<number> {
    return this.outbox.transaction(this.db, async (trx) => {
      const stale = await lockStaleCancellations(trx, now, this.options.compensationRetryMs, BATCH);
      const events: EventEnvelope[] = [];
      for (const row of stale) {
        const log = { orderId: row.id, correlationId: row.correlation_id, requests: row.compensation_requests };
        if (compensationFollowUp(row.compensation_requests, this.options.compensationMaxRequests) === 'stall') {
          await updateOrder(trx, row.id, { status: 'CANCEL_STALLED' });
          this.options.stalled.inc();
          this.logger.error(log, 'compensation never confirmed; order CANCEL_STALLED, for an operator');
          continue;
        }
        events.push(...(await requestCompensation(trx, row, row.reason === 'TIMEOUT' ? 'TIMEOUT' : 'CUSTOMER_REQUEST')));
        // Restarts the clock (updated_at) on a wait twice as long.
        await updateOrder(trx, row.id, { compensation_requests: row.compensation_requests + 1 });
        this.logger.warn(log, 'compensation not confirmed; asking again');
      }
      return { result: stale.length, events };
    });
  }
}
