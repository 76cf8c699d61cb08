import { IDENTITY_CONTRACT, DEMO_CUSTOMERS } from '@orders/contracts';
import { createDb, pingDb, Pruner } from '@orders/db';
import { createLogger, createMetrics, readSettings } from '@orders/platform';
import { authSettings, createHttpApp, migrateService, runCommand, ServiceLifecycle, TokenVerifier } from '@orders/runtime';
import { CLI_REDIRECT_URI } from './clients.js';
import { loadIdentityConfig, type IdentityConfig } from './config.js';
import { mountOidc } from './interactions.js';
import { loginWithPassword } from './login-client.js';
import { ensureIssuerKeys, readIssuerKeys } from './keys.js';
import { identityMigrations } from './migrations.js';
import { oidcPayloadPruning } from './oidc-adapter.js';
import { identityOpenApi } from './openapi.js';
import { createProvider } from './provider.js';
import { userRoutes } from './routes.js';
import { putUser } from './users.js';

const NAME = IDENTITY_CONTRACT.serviceName;
const PRUNE_INTERVAL_MS = 600_000;

const usage =
  'usage: main.js <command>   (identity-service)\n' +
  '  migrate        create or update the schema; set the operator (and demo customers) from the settings\n' +
  '  start          run the OpenID Connect issuer and the user API\n' +
  '  token <user>   sign in as <user> (password in LOGIN_PASSWORD) and print an access token\n';

const command = process.argv[2];
if (command === 'migrate') runCommand(NAME, () => migrate(loadIdentityConfig()));
else if (command === 'start') runCommand(NAME, () => start(loadIdentityConfig()));
else if (command === 'token' && process.argv[3]) runCommand(NAME, () => printToken(process.argv[3]!));
else {
  process.stderr.write(usage + (command === undefined ? '' : `unknown command: ${JSON.stringify(command)}\n`));
  process.exitCode = 2;
}

function migrate(config: IdentityConfig): Promise<void> {
  return migrateService(NAME, config, identityMigrations, async (db, logger) => {
    logger.info((await ensureIssuerKeys(db)) === 'created' ? 'issuer keys made' : 'issuer keys kept');
    if (config.operator.password) {
      await putUser(db, { id: config.operator.user, role: 'operator' }, config.operator.password);
      logger.info({ user: config.operator.user }, 'operator login set');
    }
    if (config.demo.seed && config.demo.password) {
      for (const id of DEMO_CUSTOMERS) await putUser(db, { id, role: 'customer' }, config.demo.password);
      logger.info({ users: DEMO_CUSTOMERS }, 'demo customer logins set');
    }
  });
}

async function start(config: IdentityConfig): Promise<void> {
  const logger = createLogger(NAME, config.logLevel);
  const metrics = createMetrics(NAME);
  const db = createDb(config.db, NAME);
  const lifecycle = new ServiceLifecycle(logger, config.shutdown);
  lifecycle.handleSignals();
  const keys = await readIssuerKeys(db);
  const provider = createProvider(config, keys, db, logger);
  const pruner = new Pruner(db, logger, [oidcPayloadPruning], PRUNE_INTERVAL_MS);
  lifecycle.onStop(pruner.name, () => pruner.stop());
  lifecycle.onStop('database', () => db.destroy());
  pruner.start();
  const { d: _private, ...publicKey } = keys.signingKey;
  const app = createHttpApp({
    logger,
    metrics,
    bodyLimit: config.http.bodyLimit,
    maxInFlight: config.http.maxInFlight,
    allowedHosts: config.http.allowedHosts,
    readiness: { database: () => pingDb(db) },
    openapi: identityOpenApi,
    formTargets: [...new Set([...config.consoleUrls, CLI_REDIRECT_URI].map((url) => new URL(url).origin))],
    mountBeforeJson: (router) => mountOidc(router, provider, db, logger),
    tokens: TokenVerifier.withKey(config.auth, publicKey),
    routes: (router) => userRoutes(router, db),
    isAccepting: () => lifecycle.accepting,
  });
  await lifecycle.listen(app, config.http.host, config.http.port);
  logger.info({ host: config.http.host, port: config.http.port, issuer: config.auth.issuer }, 'identity service started');
}

async function printToken(user: string): Promise<void> {
  const { issuer } = readSettings({ issuer: authSettings.issuer });
  const password = process.env.LOGIN_PASSWORD ?? '';
  if (!password) throw new Error('set LOGIN_PASSWORD to the password of ' + JSON.stringify(user));
  process.stdout.write(`${(await loginWithPassword(issuer, user, password)).token}\n`);
}
