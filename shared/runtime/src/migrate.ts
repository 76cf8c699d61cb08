import type { Knex } from 'knex';
import { type AppRoleSettings, createDb, type DbSettings, ensureAppRole, migrateLatest, type Migration } from '@orders/db';
import { createLogger, type Logger } from '@orders/platform';

/**
 * A service's `migrate` command: its schema brought up to date, then its own step (demo
 * data, the issuer's keys and logins), then the application role the running service uses.
 * Without a statement timeout: a migration may rewrite a large table.
 */
export async function migrateService(
  name: string,
  config: { db: DbSettings; appRole: AppRoleSettings; logLevel: string },
  migrations: readonly Migration[],
  ownStep?: (db: Knex, logger: Logger) => Promise<void>,
): Promise<void> {
  const logger = createLogger(name, config.logLevel);
  const db = createDb({ ...config.db, statementTimeoutMs: 0 }, `${name}-migrate`);
  try {
    const applied = await migrateLatest(db, migrations);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'schema is up to date');
    await ownStep?.(db, logger);
    if (config.appRole.user) {
      await ensureAppRole(db, config.appRole, config.db.database);
      logger.info({ role: config.appRole.user }, 'application role ready');
    }
  } finally {
    await db.destroy();
  }
}
