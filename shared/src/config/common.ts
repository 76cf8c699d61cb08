import { z } from 'zod';
import { ConfigError, env, readSettings, setting, type SettingsOf, type SettingsTree } from './settings.js';

/** The settings every service reads: HTTP, logging, PostgreSQL, Kafka, outbox, consumer. */
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
  },
  batchIntervalMs: setting(
    'BATCH_INTERVAL_MS',
    env.int(0, 1000),
    '15',
    'a batch of writes (the group commit of POST /orders, an outbox relay read) starts at most this long after the one before, so under load batches grow instead of round trips; a consumer transaction at most two thirds of it after the one before (the consumer waits that out before it fetches again), so it is ready when the next batch from upstream lands; one with nothing before it starts at once; 0: every batch at once',
  ),
  logLevel: setting('LOG_LEVEL', env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'pino log level'),
  db: {
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
  },
  appRole: {
    user: setting(
      'APP_DB_USER',
      z.string().trim().regex(/^([a-z_][a-z0-9_]{0,62})?$/, 'must be a lower-case PostgreSQL role name'),
      '',
      '`migrate` creates or updates this role: it may log in and read and write rows, nothing more (the service then runs as it)',
    ),
    password: setting('APP_DB_PASSWORD', z.string(), '', "that role's password, applied on every `migrate` (never printed)"),
  },
  kafka: {
    brokers: setting('KAFKA_BROKERS', env.hostPortList(), '127.0.0.1:9092', 'comma-separated host:port of the brokers'),
    clientId: setting('KAFKA_CLIENT_ID', env.string(), undefined, 'Kafka client id: the service name'),
    topicPrefix: setting(
      'KAFKA_TOPIC_PREFIX',
      z.string().trim().regex(/^[A-Za-z0-9._-]{0,100}$/, 'may hold only letters, digits, . _ -'),
      '',
      'put before every topic and consumer group (environments sharing a cluster)',
    ),
    topicPartitions: setting('KAFKA_TOPIC_PARTITIONS', env.int(1, 1000), '6', 'partitions of each saga topic, when topics are created'),
    topicReplication: setting('KAFKA_TOPIC_REPLICATION', env.int(1, 10), '1', 'replication of each topic, when topics are created'),
    topicRetentionMs: setting('KAFKA_TOPIC_RETENTION_MS', env.int(60_000, 31_536_000_000), '604800000', 'retention of the saga topics (7 days)'),
  },
  outbox: {
    batchSize: setting('OUTBOX_BATCH_SIZE', env.int(1, 10000), '500', 'most events the relay publishes at once'),
    pollIntervalMs: setting('OUTBOX_POLL_INTERVAL_MS', env.int(10, 60000), '1000', 'the leading relay reads the outbox at least this often (NOTIFY or a handoff wakes it sooner)'),
  },
  consumer: {
    maxRetries: setting('CONSUMER_MAX_RETRIES', env.int(0, 100), '5', 'retries of a failing event before it goes to the DLQ'),
    retryBaseMs: setting('CONSUMER_RETRY_BASE_MS', env.int(1, 60000), '100', 'first retry delay; doubles each time, at most 5 s'),
    // A killed instance's partitions move on after at most this (the rendered broker allows
    // 3 s and up: group.min.session.timeout.ms). The consumer heartbeats between runs and while
    // it waits, so a transaction stalled longer costs a rebalance (its effects are idempotent),
    // not a loss.
    sessionTimeoutMs: setting(
      'CONSUMER_SESSION_TIMEOUT_MS',
      env.int(3000, 300000),
      '4500',
      'how long a crashed consumer holds its partitions (heartbeats every sixth of it)',
    ),
    concurrency: setting(
      'CONSUMER_CONCURRENCY',
      env.int(1, 1000),
      '64',
      'partitions a service processes at once, their runs in one transaction (each partition in order); below the partitions it is assigned (its topics × KAFKA_TOPIC_PARTITIONS), one fetch takes several transactions',
    ),
    fetchMinBytes: setting('CONSUMER_FETCH_MIN_BYTES', env.int(1, 10_485_760), '1', 'the broker answers a fetch once it holds this much…'),
    fetchMaxWaitMs: setting('CONSUMER_FETCH_MAX_WAIT_MS', env.int(1, 10000), '500', '…or after this long'),
    commitIntervalMs: setting(
      'CONSUMER_COMMIT_INTERVAL_MS',
      env.int(0, 60000),
      '200',
      'offsets of applied messages are committed together at most this often (0: after every batch); a crash redelivers at most this much, dropped as duplicates',
    ),
    maxRun: setting('CONSUMER_MAX_RUN', env.int(1, 10000), '200', 'most messages of one partition applied in one transaction'),
  },
  retention: {
    inboxMs: setting(
      'INBOX_RETENTION_MS',
      env.int(120_000, 31_622_400_000),
      '691200000',
      'ids of applied events, and the records that guard against late events, are deleted after this long (8 days); must exceed KAFKA_TOPIC_RETENTION_MS, so no event can come again once its id is gone',
    ),
    pruneIntervalMs: setting('PRUNE_INTERVAL_MS', env.int(1000, 86_400_000), '600000', 'how often rows past their retention are deleted'),
  },
  tracing: {
    exporter: setting(
      'TRACING_EXPORTER',
      env.oneOf(['none', 'console', 'otlp']),
      'none',
      'where spans go: none; console (one JSON log line per span); otlp (OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT)',
    ),
    otlpEndpoint: setting(
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      z.string().trim().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an http:// or https:// URL'),
      'http://127.0.0.1:4318',
      'the OTLP/HTTP receiver (e.g. Jaeger) when TRACING_EXPORTER=otlp; spans go to its /v1/traces',
    ),
  },
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
export type DbSettings = CommonSettings['db'];
export type KafkaSettings = CommonSettings['kafka'];

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
