import type { Knex } from 'knex';
import { commitCount } from './pg-stats.js';

/** PostgreSQL's own counters of the work done: rows written by table, WAL, commits. */
export interface PgWorkReading {
  /** `<database label>.<table>` → rows inserted, updated, deleted. */
  tables: Record<string, { inserted: number; updated: number; deleted: number }>;
  wal: { records: number; bytes: number; writes: number; syncs: number };
  commits: number;
}

/**
 * Reads the row counters of every database in `dbs` (labelled by its key), the commits of
 * `databases` (their names) and the server's WAL statistics.
 */
export async function readPgWork(dbs: Record<string, Knex>, databases: string[]): Promise<PgWorkReading> {
  const tables: PgWorkReading['tables'] = {};
  for (const [label, db] of Object.entries(dbs)) {
    const { rows } = await db.raw<{ rows: { relname: string; ins: string; upd: string; del: string }[] }>(
      'select relname, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del from pg_stat_user_tables',
    );
    for (const r of rows) tables[`${label}.${r.relname}`] = { inserted: Number(r.ins), updated: Number(r.upd), deleted: Number(r.del) };
  }
  const any = Object.values(dbs)[0]!;
  const { rows: wal } = await any.raw<{ rows: { records: string; bytes: string; writes: string; syncs: string }[] }>(
    'select wal_records as records, wal_bytes as bytes, wal_write as writes, wal_sync as syncs from pg_stat_wal',
  );
  const w = wal[0]!;
  return { tables, wal: { records: Number(w.records), bytes: Number(w.bytes), writes: Number(w.writes), syncs: Number(w.syncs) }, commits: await commitCount(databases) };
}

export interface PgWorkPerOrder {
  /** Tables with any change, with rows per order. */
  tables: { table: string; inserted: number; updated: number; deleted: number }[];
  wal: { records: number; bytes: number; writes: number; syncs: number };
  commits: number;
}

const per = (n: number, orders: number) => (orders > 0 ? Math.round((n / orders) * 100) / 100 : 0);

/** The counters' growth between two readings, per order. */
export function pgWorkPerOrder(before: PgWorkReading, after: PgWorkReading, orders: number): PgWorkPerOrder {
  const tables = Object.entries(after.tables)
    .map(([table, a]) => {
      const b = before.tables[table] ?? { inserted: 0, updated: 0, deleted: 0 };
      return { table, inserted: per(a.inserted - b.inserted, orders), updated: per(a.updated - b.updated, orders), deleted: per(a.deleted - b.deleted, orders) };
    })
    .filter((t) => t.inserted + t.updated + t.deleted > 0)
    .sort((x, y) => y.inserted + y.updated + y.deleted - (x.inserted + x.updated + x.deleted));
  const wal = Object.fromEntries(
    (Object.keys(after.wal) as (keyof PgWorkReading['wal'])[]).map((k) => [k, per(after.wal[k] - before.wal[k], orders)]),
  ) as PgWorkPerOrder['wal'];
  return { tables, wal, commits: per(after.commits - before.commits, orders) };
}
