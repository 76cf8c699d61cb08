import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_ADMIN_USER } from '@orders/contracts';
import { Writable } from 'node:stream';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import { pino, type Logger } from 'pino';
import type { DbSettings } from '@orders/db';
import type { KafkaSettings } from '@orders/messaging';
import { createDb } from '@orders/db';
import { migrateLatest, type Migration } from '@orders/db';
import { sharedMigrations } from '@orders/messaging';
import { sagaTopicSpecs, ensureTopics } from '@orders/messaging';

/** Where the real local infrastructure (scripts/infra.sh) listens. */
export const testDbServer = {
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 5432),
  user: process.env.DB_USER ?? 'postgres',
  password: process.env.DB_PASSWORD ?? '',
};

/** Where scripts/infra.sh keeps the local Kafka users' passwords, one file per user. */
export const KAFKA_USERS_DIR = process.env.KAFKA_USERS_DIR ?? path.resolve(__dirname, '../../../../.cache/infra/kafka-users');

/** A local Kafka user's credentials, as its settings hold them (empty before infra.sh made them). */
export function kafkaUser(user: string): { saslUsername: string; saslPassword: string } {
  const file = path.join(KAFKA_USERS_DIR, user);
  return { saslUsername: user, saslPassword: existsSync(file) ? readFileSync(file, 'utf8').trim() : '' };
}

/** The tests' client: the admin user (a super user, like the topic Job), unless another is named. */
export const testKafkaSettings = (clientId = 'test', user = KAFKA_ADMIN_USER): KafkaSettings => ({
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  clientId,
  ...kafkaUser(user),
  topicPrefix: '',
  topicPartitions: 6,
  topicReplication: 1,
  topicRetentionMs: 604800000,
});

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A logger at `level` whose lines are kept, parsed, in `lines`. */
export function capturingLogger(level: pino.LevelWithSilent): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { logger: pino({ level }, sink), lines };
}

export function testKafka(clientId = 'test'): Kafka {
  const { saslUsername: username, saslPassword: password, ...settings } = testKafkaSettings(clientId);
  return new Kafka({ ...settings, sasl: { mechanism: 'scram-sha-512', username, password }, logLevel: logLevel.NOTHING });
}

/** A one-connection pool on the server's `postgres` database, to create and drop databases. */
export function adminDb(): Knex {
  return knexFactory({ client: 'pg', connection: { ...testDbServer, database: 'postgres' }, pool: { min: 0, max: 1 } });
}

/** A throw-away database with the given migrations applied; `drop()` removes it. */
export async function createTestDatabase(
  migrations: readonly Migration[] = sharedMigrations,
): Promise<{ db: Knex; settings: DbSettings; drop: () => Promise<void> }> {
  const name = `test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = adminDb();
  await admin.raw(`create database ${name}`);
  await admin.destroy();
  const settings: DbSettings = { ...testDbServer, database: name, poolMax: 10, statementTimeoutMs: 15000 };
  const db = createDb(settings, 'test');
  await migrateLatest(db, migrations);
  return {
    db,
    settings,
    drop: async () => {
      await db.destroy();
      const a = adminDb();
      await a.raw(`drop database if exists ${name} with (force)`);
      await a.destroy();
    },
  };
}

/**
 * Put before the saga topics these tests use, so they never write to the topics a local
 * run of the services reads (one prefix per test process; child processes inherit it).
 */
export const TEST_TOPIC_PREFIX = (process.env.TEST_TOPIC_PREFIX ??= `test_${randomUUID().slice(0, 8)}.`);

export async function ensureSagaTopics(kafka: Kafka): Promise<void> {
  await ensureTopics(kafka, sagaTopicSpecs(6, 1, { prefix: TEST_TOPIC_PREFIX }));
}

export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

/**
 * Commits the current end offsets for a new group, so it starts with what comes next.
 * (KafkaJS's admin.setOffsets does the same but waits out a full 5 s fetch.)
 */
export async function positionGroupAtEnd(kafka: Kafka, groupId: string, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, Map<number, bigint>>();
  try {
    for (const topic of topics) ends.set(topic, await endOffsets(admin, topic));
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, sessionTimeout: 10000, heartbeatInterval: 1000 });
  try {
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    await joined;
    await consumer.commitOffsets(
      [...ends].flatMap(([topic, partitions]) =>
        [...partitions].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() })),
      ),
    );
  } finally {
    await consumer.disconnect();
  }
}

export async function committedOffset(kafka: Kafka, groupId: string, topic: string, partition: number): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return BigInt(result!.partitions.find((p) => p.partition === partition)!.offset);
  } finally {
    await admin.disconnect();
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
