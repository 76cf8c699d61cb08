import { z } from 'zod';
import { IDENTITY_CONTRACT } from '@orders/contracts';
import { appRoleSettings, dbSettings } from '@orders/db';
import { env, logLevelSetting, readSettings, setting, type SettingsOf, type SettingsTree } from '@orders/platform';
import { authSettings, commonSettings, seededServiceSettings } from '@orders/runtime';
import { PASSWORD_MIN_LENGTH, USER_ID_PATTERN } from './schemas.js';

const urlList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.url().regex(/^https?:\/\//, 'must be http or https URLs')).min(1, 'must list at least one URL'));

const loginName = z.string().trim().regex(USER_ID_PATTERN, 'must be 1-64 letters, digits, _ or -');
/** Empty leaves the login as it is. */
const optionalPassword = z.union([z.literal(''), z.string().min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)]);

export const identitySettings = {
  http: commonSettings.http,
  auth: { issuer: authSettings.issuer, audience: authSettings.audience },
  logLevel: logLevelSetting,
  shutdown: commonSettings.shutdown,
  db: dbSettings,
  appRole: appRoleSettings,
  consoleUrls: setting(
    'IDENTITY_CONSOLE_URLS',
    urlList,
    'http://127.0.0.1:3001/console/',
    "the console's address, each one it is served at: where a login may send the browser back (comma-separated)",
  ),
  accessTokenTtlS: setting('IDENTITY_ACCESS_TOKEN_TTL_S', env.int(5, 3600), '600', 'an access token is accepted this many seconds after it was issued'),
  operator: {
    user: setting('IDENTITY_OPERATOR_USER', loginName, 'operator', "the operator's login name"),
    password: setting(
      'IDENTITY_OPERATOR_PASSWORD',
      optionalPassword,
      '',
      "`migrate` sets the operator's password to this (empty: leaves the operator as it is; never printed)",
    ),
  },
  demo: {
    seed: seededServiceSettings.demoSeed,
    password: setting(
      'IDENTITY_DEMO_PASSWORD',
      optionalPassword,
      '',
      '`migrate` with DEMO_SEED gives the demo customers (alice, bob, carol) this password (never printed)',
    ),
  },
} satisfies SettingsTree;

export type IdentityConfig = SettingsOf<typeof identitySettings>;

export const loadIdentityConfig = (source: NodeJS.ProcessEnv = process.env): IdentityConfig =>
  readSettings(identitySettings, source, { HTTP_PORT: String(IDENTITY_CONTRACT.httpPort), DB_NAME: IDENTITY_CONTRACT.database });
