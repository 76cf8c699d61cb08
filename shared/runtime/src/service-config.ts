import { z } from 'zod';
import { appRoleSettings, dbSettings, pruneIntervalSetting } from '@orders/db';
import { consumerSettings, inboxRetentionSetting, kafkaSettings, outboxSettings } from '@orders/messaging';
import { authSettings } from './auth-settings.js';
import { ConfigError, env, logLevelSetting, readSettings, setting, tracingSettings, type SettingsOf, type SettingsTree } from '@orders/platform';

/**
 * The settings every service reads, as its config object groups them: HTTP, access tokens, logging,
 * PostgreSQL, Kafka, outbox, consumer, retention, tracing, shutdown. Each is declared once,
 * in the package that uses it; HTTP, the batch interval and shutdown here.
 */
export const commonSettings = {
  http: {
    host: setting('HTTP_HOST', env.string(), '0.0.0.0', 'address the HTTP server listens on'),
    port: setting('HTTP_PORT', env.port(), undefined, 'HTTP port: order 3001, payment 3002, inventory 3003'),
    bodyLimit: setting(
      'HTTP_BODY_LIMIT',
      z.string().trim().regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb'),
      '1mb',
      'largest JSON body (larger → 413)',
    ),
    maxInFlight: setting(
      'HTTP_MAX_IN_FLIGHT',
      env.int(1, 100000),
      '512',
      'API requests served at once; past it a request gets 503 SERVICE_BUSY with Retry-After before its token is checked or its body read, so a flood costs short answers, not memory (the probes and /metrics are never refused)',
    ),
    allowedHosts: setting(
      'HTTP_ALLOWED_HOSTS',
      z.string().transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)),
      '',
      'host names requests may name in Host besides IP addresses, localhost and *.localhost (others get 421: a page whose name was rebound to this address cannot use the API); * accepts any',
    ),
  },
  auth: authSettings,
  batchIntervalMs: setting(
    'BATCH_INTERVAL_MS',
    env.int(0, 1000),
    '45',
    'a batch of writes (the group commit of POST /orders, an outbox relay read) starts at most this long after the one before, so under load batches grow instead of round trips; a consumer transaction at most two thirds of it after the one before (the consumer waits that out before it fetches again), so it is ready when the next batch from upstream lands; one with nothing before it starts at once; 0: every batch at once',
  ),
  logLevel: logLevelSetting,
  db: dbSettings,
  appRole: appRoleSettings,
  kafka: kafkaSettings,
  outbox: outboxSettings,
  consumer: consumerSettings,
  retention: { inboxMs: inboxRetentionSetting, pruneIntervalMs: pruneIntervalSetting },
  tracing: tracingSettings,
  shutdown: {
    drainMs: setting(
      'SHUTDOWN_DRAIN_MS',
      env.int(0, 60000),
      '3000',
      'after SIGTERM, /readyz answers 503 while requests are still served this long, then the server closes',
    ),
    timeoutMs: setting('SHUTDOWN_TIMEOUT_MS', env.int(100, 600000), '20000', 'budget for the stop steps after the drain; past it the process exits 1'),
  },
} satisfies SettingsTree;

export type CommonSettings = SettingsOf<typeof commonSettings>;

export interface CommonConfig extends CommonSettings {
  serviceName: string;
}

/** What a service's contract decides of its settings: its port, its database, its client id. */
export function serviceDefaults(service: { serviceName: string; httpPort: number; database: string }): Record<string, string> {
  return { HTTP_PORT: String(service.httpPort), DB_NAME: service.database, KAFKA_CLIENT_ID: service.serviceName };
}

/**
 * Reads a service's settings: the common ones with its contract's defaults, plus its own
 * (`extra`, merged at the top level of the config).
 */
export function loadServiceConfig<E extends SettingsTree>(
  service: { serviceName: string; httpPort: number; database: string },
  extra: E,
  source: NodeJS.ProcessEnv = process.env,
): CommonConfig & SettingsOf<E> {
  const values = readSettings({ ...commonSettings, ...extra }, source, serviceDefaults(service)) as CommonSettings & SettingsOf<E>;
  if (values.retention.inboxMs <= values.kafka.topicRetentionMs) {
    throw new ConfigError([
      `INBOX_RETENTION_MS (${values.retention.inboxMs}) must be longer than KAFKA_TOPIC_RETENTION_MS (${values.kafka.topicRetentionMs}): an event still in a topic could be applied twice once its id is pruned`,
    ]);
  }
  return { serviceName: service.serviceName, ...values };
}

/** The settings of the services whose `migrate` can add demo data (payment, inventory). */
export const seededServiceSettings = {
  demoSeed: setting('DEMO_SEED', env.bool(), 'false', '`migrate` adds the demo customers (payment) or products (inventory)'),
} satisfies SettingsTree;

export type SeededServiceConfig = CommonConfig & SettingsOf<typeof seededServiceSettings>;

export const loadSeededServiceConfig = (
  service: { serviceName: string; httpPort: number; database: string },
  source: NodeJS.ProcessEnv = process.env,
): SeededServiceConfig => loadServiceConfig(service, seededServiceSettings, source);
