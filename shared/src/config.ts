import { z } from 'zod';

/**
 * Typed configuration from the environment. Every service reads its settings here and
 * nowhere else; a bad value stops the process at start with the variable named.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY$/i;

/** Helpers that turn environment strings into typed values with readable errors. */
export const env = {
  string: () => z.string().trim().min(1, 'must not be empty'),
  int: (min: number, max: number) =>
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`)),
  port: () => env.int(1, 65535),
  bool: () =>
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }))
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: () =>
    z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.string()).min(1, 'must list at least one value')),
  hostPortList: () =>
    env.list().pipe(
      z.array(z.string().regex(/^[A-Za-z0-9._-]+:\d{1,5}$/, 'must be a comma-separated list of host:port')),
    ),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.string().trim().pipe(z.enum(values, { message: `must be one of ${values.join(', ')}` })),
};

type EnvShape = Record<string, z.ZodType<unknown, string>>;
type Defaults<S extends EnvShape> = { [K in keyof S]?: string };

/**
 * Reads `shape` from `source`; `defaults` fill unset or empty variables (as strings, so
 * they pass the same parsing). Variables without a default are required.
 */
export function readEnv<S extends EnvShape>(
  shape: S,
  defaults: Defaults<S>,
  source: NodeJS.ProcessEnv = process.env,
): { [K in keyof S]: z.output<S[K]> } {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(shape)) {
    const raw = source[name];
    const value = raw === undefined || raw === '' ? defaults[name] : raw;
    if (value === undefined) {
      problems.push(`${name} is required but not set`);
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) {
      result[name] = parsed.data;
    } else {
      const reason = parsed.error.issues.map((i) => i.message).join('; ');
      const shown = SECRET_NAME.test(name) ? '' : ` (got ${JSON.stringify(value)})`;
      problems.push(`${name} ${reason}${shown}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as { [K in keyof S]: z.output<S[K]> };
}

/** The settings every service shares: HTTP, logging, PostgreSQL, Kafka, outbox, consumers. */
export const commonEnvShape = {
  HTTP_HOST: env.string(),
  HTTP_PORT: env.port(),
  HTTP_BODY_LIMIT: z.string().trim().regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb'),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  DB_HOST: env.string(),
  DB_PORT: env.port(),
  DB_NAME: env.string(),
  DB_USER: env.string(),
  DB_PASSWORD: z.string(),
  DB_POOL_MAX: env.int(1, 200),
  KAFKA_BROKERS: env.hostPortList(),
  KAFKA_CLIENT_ID: env.string(),
  KAFKA_TOPIC_PREFIX: z.string().trim().regex(/^[A-Za-z0-9._-]{0,100}$/, 'may hold only letters, digits, . _ -'),
  KAFKA_TOPIC_PARTITIONS: env.int(1, 1000),
  KAFKA_TOPIC_REPLICATION: env.int(1, 10),
  KAFKA_TOPIC_RETENTION_MS: env.int(60_000, 31_536_000_000),
  OUTBOX_BATCH_SIZE: env.int(1, 10000),
  OUTBOX_POLL_INTERVAL_MS: env.int(10, 60000),
  CONSUMER_MAX_RETRIES: env.int(0, 100),
  CONSUMER_RETRY_BASE_MS: env.int(1, 60000),
  CONSUMER_SESSION_TIMEOUT_MS: env.int(6000, 300000),
  CONSUMER_CONCURRENCY: env.int(1, 100),
  CONSUMER_FETCH_MIN_BYTES: env.int(1, 10_485_760),
  CONSUMER_FETCH_MAX_WAIT_MS: env.int(1, 10000),
  CONSUMER_COMMIT_INTERVAL_MS: env.int(0, 60000),
  SHUTDOWN_TIMEOUT_MS: env.int(100, 600000),
};

export const commonEnvDefaults = {
  HTTP_HOST: '0.0.0.0',
  HTTP_BODY_LIMIT: '1mb',
  LOG_LEVEL: 'info',
  DB_HOST: '127.0.0.1',
  DB_PORT: '5432',
  DB_USER: 'postgres',
  DB_PASSWORD: '',
  DB_POOL_MAX: '10',
  KAFKA_BROKERS: '127.0.0.1:9092',
  KAFKA_TOPIC_PREFIX: '',
  KAFKA_TOPIC_PARTITIONS: '6',
  KAFKA_TOPIC_REPLICATION: '1',
  KAFKA_TOPIC_RETENTION_MS: '604800000',
  OUTBOX_BATCH_SIZE: '500',
  OUTBOX_POLL_INTERVAL_MS: '1000',
  CONSUMER_MAX_RETRIES: '5',
  CONSUMER_RETRY_BASE_MS: '100',
  CONSUMER_SESSION_TIMEOUT_MS: '10000',
  CONSUMER_CONCURRENCY: '6',
  CONSUMER_FETCH_MIN_BYTES: '1',
  CONSUMER_FETCH_MAX_WAIT_MS: '500',
  CONSUMER_COMMIT_INTERVAL_MS: '200',
  SHUTDOWN_TIMEOUT_MS: '20000',
} satisfies Defaults<typeof commonEnvShape>;

export type CommonEnv = ReturnType<typeof readEnv<typeof commonEnvShape>>;

export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  poolMax: number;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Put before every topic and consumer group name, so environments (or test runs) can share a cluster. */
  topicPrefix: string;
  topicPartitions: number;
  topicReplication: number;
  topicRetentionMs: number;
}

export interface CommonConfig {
  serviceName: string;
  http: { host: string; port: number; bodyLimit: string };
  logLevel: string;
  db: DbSettings;
  kafka: KafkaSettings;
  outbox: { batchSize: number; pollIntervalMs: number };
  /** sessionTimeoutMs: how long a crashed member holds its partitions before the group moves on. */
  /** fetchMinBytes / fetchMaxWaitMs: the broker answers a fetch once it has this much, or this long has passed. */
  /** commitIntervalMs: offsets of applied messages are committed together at most this often. */
  consumer: {
    maxRetries: number;
    retryBaseMs: number;
    sessionTimeoutMs: number;
    concurrency: number;
    fetchMinBytes: number;
    fetchMaxWaitMs: number;
    commitIntervalMs: number;
  };
  shutdownTimeoutMs: number;
}

export function toCommonConfig(serviceName: string, e: CommonEnv): CommonConfig {
  return {
    serviceName,
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT, bodyLimit: e.HTTP_BODY_LIMIT },
    logLevel: e.LOG_LEVEL,
    db: {
      host: e.DB_HOST,
      port: e.DB_PORT,
      database: e.DB_NAME,
      user: e.DB_USER,
      password: e.DB_PASSWORD,
      poolMax: e.DB_POOL_MAX,
    },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      topicPrefix: e.KAFKA_TOPIC_PREFIX,
      topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
      topicReplication: e.KAFKA_TOPIC_REPLICATION,
      topicRetentionMs: e.KAFKA_TOPIC_RETENTION_MS,
    },
    outbox: { batchSize: e.OUTBOX_BATCH_SIZE, pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS },
    consumer: {
      maxRetries: e.CONSUMER_MAX_RETRIES,
      retryBaseMs: e.CONSUMER_RETRY_BASE_MS,
      sessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
      concurrency: e.CONSUMER_CONCURRENCY,
      fetchMinBytes: e.CONSUMER_FETCH_MIN_BYTES,
      fetchMaxWaitMs: e.CONSUMER_FETCH_MAX_WAIT_MS,
      commitIntervalMs: e.CONSUMER_COMMIT_INTERVAL_MS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

/**
 * Reads a service's environment: the common settings with its contract's defaults (port,
 * database, client id), plus its own `extraShape`.
 */
export function loadServiceEnv<E extends EnvShape>(
  service: { serviceName: string; httpPort: number; database: string },
  extraShape: E,
  extraDefaults: Defaults<E>,
  source: NodeJS.ProcessEnv = process.env,
) {
  const shape = { ...commonEnvShape, ...extraShape };
  const defaults = {
    ...commonEnvDefaults,
    HTTP_PORT: String(service.httpPort),
    DB_NAME: service.database,
    KAFKA_CLIENT_ID: service.serviceName,
    ...extraDefaults,
  } as Defaults<typeof shape>;
  const values = readEnv(shape, defaults, source);
  return { common: toCommonConfig(service.serviceName, values as unknown as CommonEnv), values };
}

/** Services whose `migrate` can add demo data (payment, inventory). */
export const seededServiceEnvShape = { ...commonEnvShape, DEMO_SEED: env.bool() };

export interface SeededServiceConfig extends CommonConfig {
  demoSeed: boolean;
}

export function loadSeededServiceConfig(
  service: { serviceName: string; httpPort: number; database: string },
  source: NodeJS.ProcessEnv = process.env,
): SeededServiceConfig {
  const { common, values } = loadServiceEnv(service, { DEMO_SEED: env.bool() }, { DEMO_SEED: 'false' }, source);
  return { ...common, demoSeed: values.DEMO_SEED };
}
