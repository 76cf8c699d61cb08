import type { Express } from 'express';
import type { Kafka, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { CommonConfig } from './service-config.js';
import { SERVICE_COMMANDS, type ServiceCommand } from '@orders/contracts';
import { Pruner, type PruneTarget } from '@orders/db';
import type { Worker } from '@orders/platform';
import { deadLetterPruning, inboxPruning } from '@orders/messaging';
import { createDb, pingDb } from '@orders/db';
import { settlesWithin } from '@orders/platform';
import type { Migration } from '@orders/db';
import { migrateService } from './migrate.js';
import type { Topic } from '@orders/contracts';
import { createKafka, createProducer } from '@orders/messaging';
import { consumerIntervalMs, consumerTuning, EventConsumer } from '@orders/messaging';
import type { EventStep } from '@orders/messaging';
import { consumerLagWorker, KafkaHealth, SharedAdmin } from '@orders/messaging';
import { ensureAcls, ensureTopics, sagaTopicSpecs } from '@orders/messaging';
import { DeadLetterReplay } from '@orders/messaging';
import { createHttpApp } from './http/app.js';
import { deadLetterRoutes } from './http/dead-letters.js';
import { TokenVerifier } from './http/auth.js';
import { ServiceLifecycle } from './lifecycle.js';
import { createLogger, type Logger } from '@orders/platform';
import { runCommand } from './main.js';
import { createMetrics, type ServiceMetrics } from '@orders/platform';
import { OutboxRelay } from '@orders/messaging';
import { Outbox } from '@orders/messaging';
import { startTracing } from '@orders/platform';

const KAFKA_CLOSE_TIMEOUT_MS = 3000;

/** What a running service hands its routes, consumers and workers. */
export interface ServiceDeps<C extends CommonConfig> {
  config: C;
  db: Knex;
  logger: Logger;
  metrics: ServiceMetrics;
  /** The one door for the events a change causes: they commit with it (see Outbox). */
  outbox: Outbox;
}

export type { Worker } from '@orders/platform';

export interface ServiceDefinition<C extends CommonConfig> {
  /** e.g. `order-service`: the logger's service name, Kafka consumer group and lock name. */
  name: string;
  loadConfig(): C;
  migrations: readonly Migration[];
  /** Demo data, run by `migrate` when the service's config asks for it. */
  seed?(db: Knex, config: C, logger: Logger): Promise<void>;
  shouldSeed?(config: C): boolean;
  consumes: readonly Topic[];
  /** Applies the consumed events (see EventStep). */
  step: EventStep;
  routes(app: Express, deps: ServiceDeps<C>): void;
  openapi: object;
  workers?(deps: ServiceDeps<C>): Worker[];
  /** What each check constraint of its tables guards, in the domain's words: the message of a 409 LIMIT_EXCEEDED. */
  limits?: Readonly<Record<string, string>>;
  /** The service's own tables that the pruner keeps bounded (the inbox is always pruned). */
  pruning?(config: C): PruneTarget[];
}

/**
 * The entry point of a service image: `node dist/src/main.js migrate|start|topics`.
 * The Deployment, the migration Job, the topic Job, local runs and tests all use it.
 */
export function serviceMain<C extends CommonConfig>(definition: ServiceDefinition<C>, argv = process.argv): void {
  const command = argv[2] as ServiceCommand;
  if (!SERVICE_COMMANDS.includes(command)) {
    process.stderr.write(
      `usage: main.js <command>   (${definition.name})\n` +
        '  migrate   create or update the schema (and add demo data when DEMO_SEED=true)\n' +
        '  start     run the service: HTTP API, consumer, outbox relay\n' +
        '  topics    create the Kafka topics and the ACLs of every principal\n' +
        '  dead-letters list | replay <id> | replay-all\n' +
        '            the messages it could not apply; after a fix, apply one (or all) again\n' +
        (argv[2] === undefined ? '' : `unknown command: ${JSON.stringify(argv[2])}\n`),
    );
    process.exitCode = 2;
    return;
  }
  runCommand(definition.name, async () => {
    const config = definition.loadConfig();
    if (command === 'migrate') await migrate(definition, config);
    else if (command === 'topics') await createTopics(config);
    else if (command === 'dead-letters') await deadLetters(definition, config, argv.slice(3));
    else await start(definition, config);
  });
}

function migrate<C extends CommonConfig>(definition: ServiceDefinition<C>, config: C): Promise<void> {
  return migrateService(definition.name, config, definition.migrations, async (db, logger) => {
    if (definition.seed && definition.shouldSeed?.(config)) {
      await definition.seed(db, config, logger);
      logger.info('demo data seeded');
    }
  });
}

async function createTopics(config: CommonConfig): Promise<void> {
  const logger = createLogger('topics', config.logLevel);
  const kafka = createKafka(config.kafka, logger);
  const created = await ensureTopics(kafka, topicSpecs(config));
  logger.info({ created }, created.length ? 'topics created' : 'topics exist');
  // Where the brokers authenticate, each principal may then do only what its ACLs allow.
  if (config.kafka.saslUsername) logger.info({ acls: await ensureAcls(kafka, config.kafka.topicPrefix) }, 'ACLs in place');
}

const topicSpecs = (config: CommonConfig) =>
  sagaTopicSpecs(config.kafka.topicPartitions, config.kafka.topicReplication, {
    prefix: config.kafka.topicPrefix,
    retentionMs: config.kafka.topicRetentionMs,
  });

/** The consumer group of a service: prefixed like the topics, so environments sharing a cluster never share one. */
const groupIdOf = (definition: { name: string }, config: CommonConfig) => config.kafka.topicPrefix + definition.name;

const deadLetterReplay = <C extends CommonConfig>(definition: ServiceDefinition<C>, config: C, db: Knex, logger: Logger, outbox: Outbox, metrics?: ServiceMetrics) =>
  new DeadLetterReplay({
    db,
    groupId: groupIdOf(definition, config),
    topicPrefix: config.kafka.topicPrefix,
    step: definition.step,
    outbox,
    logger,
    ...(metrics ? { metrics } : {}),
  });

/**
 * `dead-letters list | replay <id> | replay-all`: what `GET /dead-letters` and its replay do,
 * from the command line (a replay's events go out through the outbox, published by the
 * running service).
 */
async function deadLetters<C extends CommonConfig>(definition: ServiceDefinition<C>, config: C, args: string[]): Promise<void> {
  const [action, id] = args;
  if (!(action === 'list' || action === 'replay-all' || (action === 'replay' && id))) {
    throw new Error('usage: main.js dead-letters list | replay <id> | replay-all');
  }
  const logger = createLogger(definition.name, config.logLevel);
  const db = createDb(config.db, `${definition.name}-dead-letters`);
  try {
    const replay = deadLetterReplay(definition, config, db, logger, new Outbox());
    if (action === 'list') {
      for (const letter of await replay.store.pending()) process.stdout.write(`${JSON.stringify(letter)}\n`);
    } else if (action === 'replay') {
      const result = await replay.replay(id!);
      if (!result) throw new Error(`no dead letter ${id}`);
      process.stdout.write(`${JSON.stringify(result.replayed ? { replayed: result.letter.id, outcome: result.outcome } : { stillFailing: result.letter.id, error: result.error })}\n`);
      if (!result.replayed) process.exitCode = 1;
    } else {
      const { replayed, failed } = await replay.replayAll();
      process.stdout.write(`${JSON.stringify({ replayed, failed })}\n`);
      if (failed.length > 0) process.exitCode = 1;
    }
  } finally {
    await db.destroy();
  }
}

async function start<C extends CommonConfig>(definition: ServiceDefinition<C>, config: C): Promise<void> {
  const logger = createLogger(definition.name, config.logLevel);
  const tracing = startTracing(definition.name, config.tracing, logger);
  const metrics = createMetrics(definition.name);
  const db = createDb(config.db, definition.name);
  const kafka: Kafka = createKafka(config.kafka, logger);
  const lifecycle = new ServiceLifecycle(logger, config.shutdown);
  lifecycle.handleSignals();
  const outbox = new Outbox();
  const deps: ServiceDeps<C> = { config, db, logger, metrics, outbox };

  // The topics (and the ACLs) are the `topics` command's: a service's own user may not create them.
  const producer: Producer = createProducer(kafka);
  await producer.connect();
  const relay = new OutboxRelay({
    outbox,
    db: config.db,
    producer,
    logger,
    lockName: definition.name,
    batchSize: config.outbox.batchSize,
    pollIntervalMs: config.outbox.pollIntervalMs,
    minIntervalMs: config.batchIntervalMs,
    topicPrefix: config.kafka.topicPrefix,
    metrics,
  });
  const consumer = new EventConsumer({
    kafka,
    producer,
    db,
    logger,
    groupId: groupIdOf(definition, config),
    topics: [...definition.consumes],
    topicPrefix: config.kafka.topicPrefix,
    step: definition.step,
    ...consumerTuning(config.consumer),
    batchIntervalMs: consumerIntervalMs(config.batchIntervalMs),
    outbox,
    metrics,
  });
  const pruning = [inboxPruning(config.retention.inboxMs), deadLetterPruning(config.retention.inboxMs), ...(definition.pruning?.(config) ?? [])];
  const kafkaAdmin = new SharedAdmin(kafka);
  const kafkaHealth = new KafkaHealth(kafkaAdmin);
  const consumedTopics = definition.consumes.map((topic) => config.kafka.topicPrefix + topic);
  const workers = [
    ...(definition.workers?.(deps) ?? []),
    new Pruner(db, logger, pruning, config.retention.pruneIntervalMs),
    consumerLagWorker(kafkaAdmin, groupIdOf(definition, config), consumedTopics, metrics, logger),
  ];

  // Stop order: consumers finish and commit, workers end, the relay publishes what they
  // committed, then the connections close.
  lifecycle.onStop('consumer', () => consumer.stop());
  for (const worker of workers) lifecycle.onStop(worker.name, () => worker.stop());
  lifecycle.onStop('outbox relay', () => relay.stop());
  lifecycle.onStop('kafka', async () => {
    // Bounded: with the brokers unreachable, closing waits on requests that are retried.
    const closed = Promise.all([kafkaAdmin.close(), producer.disconnect()]);
    if (!(await settlesWithin(closed, KAFKA_CLOSE_TIMEOUT_MS))) logger.warn('kafka connections did not close in time');
  });
  lifecycle.onStop('database', () => db.destroy());
  lifecycle.onStop('tracing', () => tracing.shutdown());

  relay.start();
  for (const worker of workers) worker.start();

  const app = createHttpApp({
    logger,
    metrics,
    bodyLimit: config.http.bodyLimit,
    maxInFlight: config.http.maxInFlight,
    allowedHosts: config.http.allowedHosts,
    limits: definition.limits ?? {},
    readiness: { database: () => pingDb(db), kafka: () => kafkaHealth.check() },
    openapi: definition.openapi,
    tokens: new TokenVerifier(config.auth),
    connectTargets: [new URL(config.auth.issuer).origin],
    routes: (router) => {
      definition.routes(router, deps);
      deadLetterRoutes(router, deadLetterReplay(definition, config, db, logger, outbox, metrics));
    },
    isAccepting: () => lifecycle.accepting,
  });
  // The API does not wait for the consumer group: after a crash, joining can take up to a
  // session timeout while the dead member expires.
  await lifecycle.listen(app, config.http.host, config.http.port);
  logger.info({ host: config.http.host, port: config.http.port }, 'service started');
  await consumer.start();
  logger.info({ groupId: config.kafka.topicPrefix + definition.name }, 'consumer started');
}
