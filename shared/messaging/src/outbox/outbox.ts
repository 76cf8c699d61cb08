import type { Knex } from 'knex';
import { preparedRaw } from '@orders/db';
import type { BatchedTransaction } from '@orders/db';
import { statement, type Statement } from '@orders/db';
import type { EventEnvelope } from '../events/envelope.js';
import { OutboxHandoff, type OutboxCommit } from './handoff.js';
import { insertOutboxRows, outboxInsertSql } from './outbox-insert.js';
import { outboxMessages, type OutboxMessage } from './outbox-rows.js';

/** A part of a statement: a named CTE. */
export interface StatementPart {
  name: string;
  sql: string;
  bindings: readonly unknown[];
}

/**
 * A state change in one statement (no transaction), with the events it causes: its CTEs,
 * the SELECT that gives its result (it may read the CTEs), and the events, written only
 * when `eventsIf` (an SQL condition on the CTEs) holds.
 */
export interface StatementChange {
  parts: readonly StatementPart[];
  select: string;
  events: readonly EventEnvelope[];
  eventsIf?: string;
}

/** What a unit of work gives back: its result, and the events its change causes. */
export interface Emitting<T> {
  result: T;
  events: readonly EventEnvelope[];
}

/** The name of the outbox insert's CTE in a statement change, and the column that counts its rows. */
const OUTBOX_PART = 'outbox_written';

/**
 * The one door for a service's events: every change that causes events commits them to the
 * outbox table in its own transaction, through one of the three ways below. Only this
 * module builds the outbox insert, and it decides, at each commit, whether the rows are
 * handed to the process's own relay after COMMIT (no NOTIFY, no read of the outbox) or
 * raise NOTIFY for the leading relay to read them (OutboxHandoff says which). Domain and
 * repository code gives the statements and the events; it never sees the outbox.
 */
export class Outbox {
  /** The process's relay takes handed-over rows from here (relay.ts). */
  readonly handoff = new OutboxHandoff();

  /** One statement, committed on its own: the change's CTEs, then its events. Its result's first row. */
  async commitStatement<R extends object>(db: Knex, change: StatementChange): Promise<R> {
    const rows = outboxMessages(change.events);
    return this.committing(async (direct) => {
      const insert = outboxInsertSql(rows, change.eventsIf ?? 'true', !direct);
      const parts = [...change.parts, { name: OUTBOX_PART, sql: insert.sql, bindings: insert.bindings }];
      const sql = `with ${parts.map((p) => `${p.name} as (${p.sql})`).join(',\n')}
        select s.*, (select count(*) from ${OUTBOX_PART}) as "${OUTBOX_PART}" from (${change.select}) s`;
      const result = await preparedRaw<{ rows: (R & Record<typeof OUTBOX_PART, string>)[] }>(
        db,
        sql,
        parts.flatMap((p) => p.bindings),
      );
      const { [OUTBOX_PART]: written, ...row } = result.rows[0]!;
      return { result: row as unknown as R, rows: Number(written) === rows.length ? rows : [] };
    });
  }

  /** A knex transaction: `work` changes state and names the events, which are written before COMMIT. */
  async transaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<Emitting<T>>): Promise<T> {
    let commit: OutboxCommit | undefined;
    let rows: OutboxMessage[] = [];
    try {
      const result = await db.transaction(async (trx) => {
        const done = await work(trx);
        rows = outboxMessages(done.events);
        if (rows.length > 0) {
          // Begun right before knex sends COMMIT: the handoff keeps commits in that order.
          commit = this.handoff.begin();
          await insertOutboxRows(trx, rows, !commit.direct);
        }
        return done.result;
      });
      commit?.committed(rows);
      return result;
    } catch (error) {
      commit?.failed();
      throw error;
    }
  }

  /** Commits a batched transaction: its writes, then its events, with COMMIT in one round trip. */
  async commit(tx: BatchedTransaction, writes: readonly Statement[], events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) {
      await tx.commit(writes);
      return;
    }
    const rows = outboxMessages(events);
    await this.committing(async (direct) => {
      const insert = outboxInsertSql(rows, 'true', !direct);
      await tx.commit([...writes, statement(insert.sql, insert.bindings)]);
      return { result: undefined, rows };
    });
  }

  /** Runs a commit whose rows the handoff gets when it succeeded; `send(direct)` writes them without NOTIFY when direct. */
  private async committing<T>(send: (direct: boolean) => Promise<{ result: T; rows: readonly OutboxMessage[] }>): Promise<T> {
    const commit = this.handoff.begin();
    let sent;
    try {
      sent = await send(commit.direct);
    } catch (error) {
      commit.failed();
      throw error;
    }
    commit.committed(sent.rows);
    return sent.result;
  }
}
