import knexFactory, { type Knex } from 'knex';
import type { DbSettings } from '../config.js';

export type { Knex } from 'knex';

/** A knex instance on PostgreSQL with a bounded pool that fails fast when exhausted. */
export function createDb(settings: DbSettings, applicationName: string): Knex {
  return knexFactory({
    client: 'pg',
    connection: {
      host: settings.host,
      port: settings.port,
      database: settings.database,
      user: settings.user,
      password: settings.password,
      application_name: applicationName,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    },
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

/**
 * Serialises transactions on business keys (e.g. order ids) until commit or rollback, in
 * one statement. The locks are taken in hash order, the same order for every caller, so
 * two transactions locking overlapping sets cannot deadlock.
 */
export async function lockKeys(trx: Knex.Transaction, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await trx.raw(
    `select count(pg_advisory_xact_lock(k.hash)) from (
       select distinct hashtextextended(key, 0) as hash from unnest(?::text[]) as key order by 1
     ) as k`,
    [[...keys]],
  );
}

export async function pingDb(db: Knex): Promise<void> {
  await db.raw('select 1');
}
