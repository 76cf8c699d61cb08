import { z } from 'zod';
import { env, setting, type SettingsOf, type SettingsTree } from '@orders/platform';

/** How a service reaches its PostgreSQL. */
export const dbSettings = {
  host: setting('DB_HOST', env.string(), '127.0.0.1', 'PostgreSQL host'),
  port: setting('DB_PORT', env.port(), '5432', 'PostgreSQL port'),
  database: setting('DB_NAME', env.string(), undefined, 'database: order_service, payment_service, inventory_service'),
  user: setting('DB_USER', env.string(), 'postgres', 'PostgreSQL user'),
  password: setting('DB_PASSWORD', z.string(), '', 'PostgreSQL password (never printed)'),
  poolMax: setting('DB_POOL_MAX', env.int(1, 200), '10', 'connection pool size'),
  statementTimeoutMs: setting(
    'DB_STATEMENT_TIMEOUT_MS',
    env.int(0, 3_600_000),
    '15000',
    'PostgreSQL cancels a statement running longer (and the client gives up a little later); 0: no limit. `migrate` runs without one',
  ),
} satisfies SettingsTree;

export type DbSettings = SettingsOf<typeof dbSettings>;

/** The role a service runs as, which `migrate` sets up. */
export const appRoleSettings = {
  user: setting(
    'APP_DB_USER',
    z.string().trim().regex(/^([a-z_][a-z0-9_]{0,62})?$/, 'must be a lower-case PostgreSQL role name'),
    '',
    '`migrate` creates or updates this role: it may log in and read and write rows, nothing more (the service then runs as it)',
  ),
  password: setting('APP_DB_PASSWORD', z.string(), '', "that role's password, applied on every `migrate` (never printed)"),
} satisfies SettingsTree;

export type AppRoleSettings = SettingsOf<typeof appRoleSettings>;

/** How often the pruner deletes rows past their retention. */
export const pruneIntervalSetting = setting('PRUNE_INTERVAL_MS', env.int(1000, 86_400_000), '600000', 'how often rows past their retention are deleted');
