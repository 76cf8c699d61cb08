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

/** Serialises transactions on one business key (e.g. an order id) until commit or rollback. */
export async function lockKey(trx: Knex.Transaction, key: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
}

export async function pingDb(db: Knex): Promise<void> {
  await db.raw('select 1');
}
