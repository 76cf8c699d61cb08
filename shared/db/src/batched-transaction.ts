import type { Knex } from 'knex';
import type { Client, QueryResult } from 'pg';
import { sendBatch, statement, type Statement } from './statement-batch.js';

const BEGIN = statement('begin');
const COMMIT = statement('commit');

/**
 * A transaction whose statements go in batches, one round trip each, on a connection of
 * the pool: BEGIN goes with the first batch and COMMIT with the last, so a transaction
 * that reads, decides in memory and writes back costs two round trips.
 */
export class BatchedTransaction {
  private begun = false;
  private ended = false;

  constructor(private readonly client: Client) {}

  /** Sends the statements (after BEGIN, the first time) in one round trip; their results. */
  send(statements: readonly Statement[]): Promise<QueryResult[]> {
    return this.batch(statements, []);
  }

  /** Sends the statements and COMMIT in one round trip. */
  async commit(statements: readonly Statement[]): Promise<QueryResult[]> {
    const results = await this.batch(statements, [COMMIT]);
    this.ended = true;
    return results;
  }

  /** One round trip: BEGIN the first time, the statements, then `end`; the statements' results. */
  private async batch(statements: readonly Statement[], end: readonly Statement[]): Promise<QueryResult[]> {
    const begin = this.begun ? [] : [BEGIN];
    this.begun = true;
    const results = await sendBatch(this.client, [...begin, ...statements, ...end]);
    return results.slice(begin.length, results.length - end.length);
  }

  /** Rolls back what is open (after a failed batch too); false when the connection could not be used for it. */
  async rollback(): Promise<boolean> {
    if (!this.begun || this.ended) return true;
    this.ended = true;
    return this.client.query('rollback').then(
      () => true,
      () => false,
    );
  }

  get open(): boolean {
    return this.begun && !this.ended;
  }
}

/**
 * Runs `work` in a batched transaction on a connection of the knex pool; rolls back when
 * `work` fails or returns without committing. A connection that cannot even roll back is
 * closed, so the pool replaces it.
 */
export async function inBatchedTransaction<T>(db: Knex, work: (tx: BatchedTransaction) => Promise<T>): Promise<T> {
  const client = (await db.client.acquireConnection()) as Client;
  const tx = new BatchedTransaction(client);
  try {
    return await work(tx);
  } finally {
    if (!(await tx.rollback())) await client.end().catch(() => undefined);
    await db.client.releaseConnection(client);
  }
}
