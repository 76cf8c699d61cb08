import type { Knex } from 'knex';

/**
 * Rows whose version is PostgreSQL's `xmin`: the id of the transaction that last changed the
 * row, so every change counts, whoever made it (an HTTP write, a saga step). A read returns
 * it; a whole-value write names the version it read and lands only if the row is still at it.
 */
export type Precondition = { kind: 'none' } | { kind: 'any' } | { kind: 'version'; version: string };

/** A value with the version of the row it was read from or written to. */
export interface Versioned<T> {
  value: T;
  version: string;
}

/** A table of versioned rows: its key column and the columns a read returns. */
export interface VersionedTable {
  table: string;
  key: string;
  columns: readonly string[];
}

const returning = (t: VersionedTable) => `${t.columns.join(', ')}, xmin::text as version`;

export async function readVersioned<R>(db: Knex, t: VersionedTable, key: Knex.Value): Promise<(R & { version: string }) | undefined> {
  const { rows } = await db.raw<{ rows: (R & { version: string })[] }>(`select ${returning(t)} from ${t.table} where ${t.key} = ?`, [key]);
  return rows[0];
}

/**
 * A whole-value write. Without a version it inserts `insert` unless a row has the key
 * (`exists`: replacing needs a version); with one, or with `any`, it applies `set` (SQL
 * and its bindings) to the row only if the row is still at that version (`stale`
 * otherwise, or when the row is gone).
 */
export async function writeVersioned<R>(
  db: Knex,
  t: VersionedTable,
  key: Knex.Value,
  write: { insert: Record<string, Knex.Value>; set: [sql: string, bindings: Knex.Value[]] },
  precondition: Precondition,
): Promise<(R & { version: string }) | 'exists' | 'stale'> {
  if (precondition.kind === 'none') {
    const columns = Object.keys(write.insert);
    const { rows } = await db.raw<{ rows: (R & { version: string })[] }>(
      `insert into ${t.table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})
       on conflict (${t.key}) do nothing returning ${returning(t)}`,
      Object.values(write.insert),
    );
    return rows[0] ?? 'exists';
  }
  const [set, bindings] = write.set;
  const atVersion = precondition.kind === 'version';
  const { rows } = await db.raw<{ rows: (R & { version: string })[] }>(
    `update ${t.table} set ${set} where ${t.key} = ?${atVersion ? ' and xmin::text = ?' : ''} returning ${returning(t)}`,
    [...bindings, key, ...(atVersion ? [precondition.version] : [])],
  );
  return rows[0] ?? 'stale';
}
