import { z } from 'zod';
import { env, setting, type SettingsOf, type SettingsTree } from '@orders/platform';

/** How a service reaches Kafka and how its topics are made. */
export const kafkaSettings = {
  brokers: setting('KAFKA_BROKERS', env.hostPortList(), '127.0.0.1:9092', 'comma-separated host:port of the brokers'),
  clientId: setting('KAFKA_CLIENT_ID', env.string(), undefined, 'Kafka client id: the service name'),
  saslUsername: setting(
    'KAFKA_SASL_USERNAME',
    z.string().trim().regex(/^[A-Za-z0-9_.-]{0,64}$/, 'may hold only letters, digits, _ . -'),
    '',
    'its SCRAM-SHA-512 user on Kafka (its principal, whose ACLs say what it may read and write): the service name; empty: no authentication',
  ),
  saslPassword: setting('KAFKA_SASL_PASSWORD', z.string(), '', 'the password of KAFKA_SASL_USERNAME (from a Secret on the cluster, from .run/kafka-users locally)'),
  topicPrefix: setting(
    'KAFKA_TOPIC_PREFIX',
    z.string().trim().regex(/^[A-Za-z0-9._-]{0,100}$/, 'may hold only letters, digits, . _ -'),
    '',
    'put before every topic and consumer group (environments sharing a cluster)',
  ),
  topicPartitions: setting('KAFKA_TOPIC_PARTITIONS', env.int(1, 1000), '6', 'partitions of each saga topic, when topics are created'),
  topicReplication: setting('KAFKA_TOPIC_REPLICATION', env.int(1, 10), '1', 'replication of each topic, when topics are created'),
  topicRetentionMs: setting('KAFKA_TOPIC_RETENTION_MS', env.int(60_000, 31_536_000_000), '604800000', 'retention of the saga topics (7 days)'),
} satisfies SettingsTree;

export type KafkaSettings = SettingsOf<typeof kafkaSettings>;

/** How the outbox relay publishes. */
export const outboxSettings = {
  batchSize: setting('OUTBOX_BATCH_SIZE', env.int(1, 10000), '500', 'most events the relay publishes at once'),
  pollIntervalMs: setting('OUTBOX_POLL_INTERVAL_MS', env.int(10, 60000), '1000', 'the leading relay reads the outbox at least this often (NOTIFY or a handoff wakes it sooner)'),
} satisfies SettingsTree;

/** How the consumer applies events. */
export const consumerSettings = {
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
} satisfies SettingsTree;

export type ConsumerSettings = SettingsOf<typeof consumerSettings>;

/** How long applied event ids (the inbox) are kept. */
export const inboxRetentionSetting = setting(
  'INBOX_RETENTION_MS',
  env.int(120_000, 31_622_400_000),
  '691200000',
  'ids of applied events, and the records that guard against late events, are deleted after this long (8 days); must exceed KAFKA_TOPIC_RETENTION_MS, so no event can come again once its id is gone',
);
