import { createHash } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import type { ClientConfig } from 'pg';
import type { DbSettings } from './db-settings.js';
import { arrayLiteral } from './parameter.js';


/** How long the client waits past the server's statement timeout before it gives up itself. */
const CLIENT_TIMEOUT_MARGIN_MS = 5000;

/**
 * Prepared statements are planned once per connection (a generic plan, reused at each
 * execution), and sequential scans are off on the services' connections. Every statement a
 * service prepares reads its rows by key, through an index; but a plan made while a table is
 * small (a new database, the first minute of a deployment, every bench run) would scan the
 * whole table, and a cached one keeps scanning as the table grows, until the table is next
 * analyzed. With scans off the planner takes the index whatever the table's size. A query no
 * index serves still gets its scan: the setting makes a scan look costly, it does not forbid it.
 * Planning once, not at each execution, is what PostgreSQL saves (docs/benchmarks.md).
 */
const PLANNING = '-c plan_cache_mode=force_generic_plan -c enable_seqscan=off';

/**
 * The connection settings of every pg client in a service (the knex pool and the relay's
 * own connection): the server cancels statements past `statementTimeoutMs`, and the client
 * stops waiting a little later, so a query on a connection that went silent cannot hang;
 * prepared statements are planned once, by their indexes (PLANNING).
 */
export function pgConnection(settings: DbSettings, applicationName: string): ClientConfig {
  const timeout = settings.statementTimeoutMs;
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.password,
    application_name: applicationName,
    options: PLANNING,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    ...(timeout > 0 ? { statement_timeout: timeout, query_timeout: timeout + CLIENT_TIMEOUT_MARGIN_MS } : {}),
  };
}

/** A knex instance on PostgreSQL with a bounded pool that fails fast when exhausted. */
export function createDb(settings: DbSettings, applicationName: string): Knex {
  return knexFactory({
    client: 'pg',
    // knex declares its own copy of pg's connection type; the values are pg's.
    connection: pgConnection(settings, applicationName) as Knex.PgConnectionConfig,
    pool: {
      min: 0,
      max: settings.poolMax,
      acquireTimeoutMillis: 10000,
      idleTimeoutMillis: 30000,
      createTimeoutMillis: 5000,
      createRetryIntervalMillis: 200,
      propagateCreateError: false,
    },
    acquireConnectionTimeout: 10000,
  });
}

const statementNames = new Map<string, string>();

/** The prepared-statement name of a SQL text (the same text always gets the same name). */
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `s_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * A raw statement run as a named prepared statement: each pooled connection parses it once
 * and then only binds and executes it (for the short statements of the saga, parsing and
 * planning cost PostgreSQL more than executing). `sql` must be a fixed template whose values,
 * arrays included (sent as `arrayLiteral` writes them), are all bound as parameters.
 */
export function preparedRaw<R = unknown>(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[]): Knex.Raw<R> {
  const values = bindings.map((b) => (Array.isArray(b) ? arrayLiteral(b) : b));
  return db.raw<R>(sql, values as Knex.RawBinding[]).options({ name: statementName(sql) });
}

/** Runs a statement (see statement-batch) on knex, as a prepared statement. */
export function runStatement<R = unknown>(db: Knex | Knex.Transaction, s: { text: string; values: readonly unknown[] }): Knex.Raw<R> {
  return preparedRaw<R>(db, s.text, s.values);
}

export async function pingDb(db: Knex): Promise<void> {
  await db.raw('select 1');
}
