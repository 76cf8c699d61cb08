import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { expect } from 'chai';
import type { Kafka, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import { TOPICS } from '@orders/contracts';
import { createKafka, createProducer } from '../src/kafka/client.js';
import { runStatement } from '../src/db/knex.js';
import { lockKeys } from '../src/db/advisory-locks.js';
import { enqueueEvent } from '../src/outbox/enqueue.js';
import { OutboxRelay, type OutboxRelayOptions } from '../src/outbox/relay.js';
import { createMetrics } from '../src/metrics.js';
import { OUTBOX_TABLE } from '../src/outbox/outbox-table.js';
import type { DbSettings } from '../src/config/index.js';
import { orderCreated } from './support/events.js';
import { createTestDatabase, ensureSagaTopics, silentLogger, sleep, TEST_TOPIC_PREFIX, testKafkaSettings, waitFor } from './support/infra.js';
import { TopicReader } from './support/topic-reader.js';

describe('transactional outbox (real PostgreSQL and Kafka)', function () {
  let kafka: Kafka;
  let producer: Producer;
  let db: Knex;
  let settings: DbSettings;
  let drop: () => Promise<void>;
  let reader: TopicReader;
  const relays: OutboxRelay[] = [];

  const newRelay = (pollIntervalMs = 200, more: Partial<OutboxRelayOptions> = {}) => {
    const relay = new OutboxRelay({
      db: settings,
      producer,
      logger: silentLogger,
      lockName: 'test',
      batchSize: 100,
      pollIntervalMs,
      topicPrefix: TEST_TOPIC_PREFIX,
      ...more,
    });
    relays.push(relay);
    return relay;
  };
  const eventIdsOf = (id: string) => reader.values(TEST_TOPIC_PREFIX + TOPICS.order).filter((v) => v.eventId === id);

  before(async function () {
    kafka = createKafka(testKafkaSettings('outbox-test'), silentLogger);
    await ensureSagaTopics(kafka);
    producer = createProducer(kafka);
    await producer.connect();
    ({ db, settings, drop } = await createTestDatabase());
    reader = await TopicReader.start(kafka, [TEST_TOPIC_PREFIX + TOPICS.order]);
  });

  afterEach(async function () {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  after(async function () {
    await reader?.stop();
    await producer?.disconnect();
    await drop?.();
  });

  it('publishes an event committed together with its state change', async function () {
    const event = orderCreated();
    await db.transaction((trx) => enqueueEvent(trx, event));
    newRelay().start();
    const [message] = await reader.waitForCount((m) => m.value?.includes(event.eventId) ?? false, 1);
    expect(message!.key).to.equal(event.orderId);
    expect(JSON.parse(message!.value!)).to.deep.equal(event);
    await waitFor('outbox row deleted', async () => (await db(OUTBOX_TABLE).count({ n: '*' }))[0]!.n === '0' || undefined);
  });

  it('writes to the outbox with a statement each connection prepares once and then reuses', async function () {
    const prepared = async (trx: Knex.Transaction) =>
      (await trx.raw<{ rows: { name: string }[] }>(`select name from pg_prepared_statements where statement like '%pg_notify%'`)).rows;
    const trx = await db.transaction();
    try {
      await enqueueEvent(trx, orderCreated());
      const [first] = await prepared(trx);
      expect(first?.name, 'a named prepared statement').to.match(/^s_[0-9a-f]{24}$/);
      await enqueueEvent(trx, orderCreated());
      expect(await prepared(trx)).to.deep.equal([first]);
    } finally {
      await trx.rollback();
    }
  });

  it('publishes nothing from a rolled-back transaction', async function () {
    newRelay().start();
    const rolledBack = orderCreated();
    const error = await db
      .transaction(async (trx) => {
        await enqueueEvent(trx, rolledBack);
        throw new Error('business rule failed');
      })
      .catch((e: Error) => e);
    expect(error).to.be.instanceOf(Error);
    const sentinel = orderCreated();
    await db.transaction((trx) => enqueueEvent(trx, sentinel));
    await reader.waitForCount((m) => m.value?.includes(sentinel.eventId) ?? false, 1);
    // The relay publishes in commit order, so once the later sentinel is out, the other would be too.
    expect(eventIdsOf(rolledBack.eventId)).to.have.length(0);
  });

  it('wakes on commit (LISTEN/NOTIFY) instead of waiting for the poll', async function () {
    const relay = newRelay(30000);
    relay.start();
    await waitFor('relay leadership', async () => relay.isLeader);
    await sleep(200); // the relay is now asleep until the next notification
    const event = orderCreated();
    const committedAt = Date.now();
    await db.transaction((trx) => enqueueEvent(trx, event));
    await reader.waitForCount((m) => m.value?.includes(event.eventId) ?? false, 1, 5000);
    expect(Date.now() - committedAt).to.be.below(5000);
  });

  it('with a batch interval, publishes what commits within it after the previous read in one batch', async function () {
    const metrics = createMetrics('outbox-test');
    const relay = newRelay(30000, { minIntervalMs: 400, metrics });
    relay.start();
    await waitFor('relay leadership', async () => relay.isLeader);
    const first = orderCreated();
    await db.transaction((trx) => enqueueEvent(trx, first));
    await reader.waitForCount((m) => m.value?.includes(first.eventId) ?? false, 1, 5000);
    const rest = [orderCreated(), orderCreated(), orderCreated()];
    for (const event of rest) await db.transaction((trx) => enqueueEvent(trx, event)); // three commits, three NOTIFYs
    await reader.waitForCount((m) => rest.some((e) => m.value?.includes(e.eventId)), 3, 5000);
    const batches = (await metrics.outboxBatchSize.get()).values;
    const of = (name: string) => batches.find((v) => v.metricName === name)!.value;
    expect([of('outbox_publish_batch_events_count'), of('outbox_publish_batch_events_sum')], '[batches, events]').to.deep.equal([2, 4]);
  });

  it('publishes after a relay is SIGKILLed and another starts, each event exactly once', async function () {
    const child: ChildProcess = spawn(
      process.execPath,
      [path.join(__dirname, 'fixtures', 'relay-process.js')],
      { env: { ...process.env, DB_NAME: settings.database }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('leader') && resolve());
      child.once('exit', (code) => reject(new Error(`relay fixture exited with ${code}`)));
    });
    child.kill('SIGKILL');
    await once(child, 'exit');

    const events = Array.from({ length: 20 }, () => orderCreated());
    for (const event of events) await db.transaction((trx) => enqueueEvent(trx, event));
    expect((await db(OUTBOX_TABLE).count({ n: '*' }))[0]!.n).to.equal('20');

    newRelay().start();
    await reader.waitForCount((m) => events.some((e) => m.value?.includes(e.eventId)), 20);
    await sleep(1000); // room for any duplicate to show up
    for (const event of events) expect(eventIdsOf(event.eventId), event.eventId).to.have.length(1);
  });

  it('keeps per-key order across many events committed concurrently', async function () {
    newRelay().start();
    const orderIds: string[] = Array.from({ length: 8 }, () => randomUUID());
    const perKey = 60;
    // Writers for different orders run concurrently; writes of one order are serialised by its lock.
    await Promise.all(
      orderIds.map(async (orderId) => {
        for (let seq = 0; seq < perKey; seq++) {
          await db.transaction(async (trx) => {
            await runStatement(trx, lockKeys([orderId]));
            await enqueueEvent(trx, orderCreated(orderId, `seq-${seq}`));
          });
        }
      }),
    );
    const all = await reader.waitForCount((m) => orderIds.includes(m.key ?? ''), orderIds.length * perKey, 30000);
    for (const orderId of orderIds) {
      const seqs = all.filter((m) => m.key === orderId).map((m) => JSON.parse(m.value!).correlationId);
      expect(seqs).to.deep.equal(Array.from({ length: perKey }, (_, i) => `seq-${i}`));
    }
  });

  it('has one active relay when several run against one database (replicas)', async function () {
    const replicas = [newRelay(100), newRelay(100), newRelay(100)];
    replicas.forEach((r) => r.start());
    await waitFor('a leader', async () => replicas.some((r) => r.isLeader));
    await sleep(500);
    expect(replicas.filter((r) => r.isLeader)).to.have.length(1);

    const events = Array.from({ length: 30 }, () => orderCreated());
    for (const event of events) await db.transaction((trx) => enqueueEvent(trx, event));
    await reader.waitForCount((m) => events.some((e) => m.value?.includes(e.eventId)), 30);

    // The leader stops; a standby takes over and publishes what comes next, still once.
    const leader = replicas.find((r) => r.isLeader)!;
    await leader.stop();
    const later = orderCreated();
    await db.transaction((trx) => enqueueEvent(trx, later));
    await reader.waitForCount((m) => m.value?.includes(later.eventId) ?? false, 1);
    await sleep(500);
    for (const event of [...events, later]) expect(eventIdsOf(event.eventId)).to.have.length(1);
    expect(replicas.filter((r) => r.isLeader)).to.have.length(1);
  });
});

describe('outbox relay stop while Kafka does not answer (real PostgreSQL)', function () {
  it('returns within its stop timeout, gives up the lead, and leaves the unconfirmed rows in the outbox', async function () {
    const { db, settings, drop } = await createTestDatabase();
    try {
      let sends = 0;
      // A producer whose send never completes, as when every broker is unreachable.
      const stuck = { sendBatch: () => (sends++, new Promise(() => undefined)) } as unknown as Producer;
      const relay = new OutboxRelay({ db: settings, producer: stuck, logger: silentLogger, lockName: 'stuck', batchSize: 10, pollIntervalMs: 50, stopTimeoutMs: 300 });
      await db.transaction((trx) => enqueueEvent(trx, orderCreated()));
      relay.start();
      await waitFor('the batch is being sent', async () => sends > 0 || undefined);
      const started = Date.now();
      await relay.stop();
      const took = Date.now() - started;
      expect(took).to.be.within(250, 1500);
      expect(relay.isLeader).to.equal(false);
      expect((await db(OUTBOX_TABLE).count({ n: '*' }))[0]!.n).to.equal('1');
      // The lead is free: a session advisory lock taken by a new relay's query succeeds.
      const { rows } = await db.raw<{ rows: { locked: boolean }[] }>('select pg_try_advisory_lock(hashtextextended(?, 0)) as locked', ['outbox-relay:stuck']);
      expect(rows[0]!.locked).to.equal(true);
    } finally {
      await drop();
    }
  });
});
