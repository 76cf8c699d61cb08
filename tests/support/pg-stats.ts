import knexFactory from 'knex';
import { adminDb, testDbServer } from '@orders/testing';

/** Committed transactions of the given databases so far (pg_stat_database). */
export async function commitCount(databases: string[]): Promise<number> {
  const db = adminDb();
  try {
    await db.raw('select pg_stat_clear_snapshot()');
    const { rows } = await db.raw<{ rows: { n: string }[] }>(
      'select coalesce(sum(xact_commit), 0) as n from pg_stat_database where datname = any(?)',
      [databases],
    );
    return Number(rows[0]!.n);
  } finally {
    await db.destroy();
  }
}

/**
 * How many single-row INSERT transactions per second this PostgreSQL commits, with
 * `clients` connections in parallel for `seconds`: the ceiling every order's commits share.
 */
export async function commitLimitTps(database: string, seconds: number, clients = 16): Promise<number> {
  const db = knexFactory({ client: 'pg', connection: { ...testDbServer, database }, pool: { min: clients, max: clients } });
  try {
    await db.raw('create table if not exists bench_commit_probe (id bigserial primary key, at timestamptz default now())');
    let commits = 0;
    const deadline = Date.now() + seconds * 1000;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < deadline) {
          await db.raw('insert into bench_commit_probe default values');
          commits++;
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    await db.raw('drop table bench_commit_probe');
    return commits / elapsed;
  } finally {
    await db.destroy();
  }
}
