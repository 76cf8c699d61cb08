import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { expect } from 'chai';
import { Client } from 'pg';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import { TOPICS } from '@orders/contracts';
import { createKafka, createProducer } from '../src/kafka/client.js';
import { pgConnection, runStatement } from '@orders/db';
import { lockKeys } from '@orders/db';
import { insertOutboxRows } from '../src/outbox/outbox-insert.js';
import { outboxMessages, type OutboxMessage } from '../src/outbox/outbox-rows.js';
import type { OutboxCommit } from '../src/outbox/handoff.js';
import { Outbox } from '../src/outbox/outbox.js';
import type { EventStep } from '../src/kafka/event-step.js';
import { RunApplier } from '../src/kafka/run-applier.js';
import { EventLogs } from '../src/event-logs.js';
import { RunRecord } from '../src/saga/run-record.js';
import type { EventEnvelope } from '../src/events/envelope.js';
import { OutboxRelay, type OutboxRelayOptions } from '../src/outbox/relay.js';
import { createMetrics } from '@orders/platform';
import { OUTBOX_CHANNEL, OUTBOX_TABLE } from '../src/outbox/outbox-table.js';
import type { DbSettings } from '@orders/db';
import { orderCreated } from '@orders/testing';
import { createTestDatabase, ensureSagaTopics, silentLogger, sleep, TEST_TOPIC_PREFIX, testKafkaSettings, waitFor } from '@orders/testing';
import { TopicReader } from '@orders/testing';

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
  /** Writes an event to the outbox in the caller's transaction, with NOTIFY (as a commit the handoff does not take). */
  const enqueueEvent = (trx: Knex.Transaction, event: EventEnvelope) => insertOutboxRows(trx, outboxMessages([event]), true);
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

  describe('handoff: a process hands its commits to its own relay', function () {
    /** The poll of every relay here: far longer than any wait, so only NOTIFY, a handoff or a forced read can publish. */
    const NO_POLL_MS = 60000;
    let listener: Client;
    let notifications = 0;

    before(async function () {
      listener = new Client(pgConnection(settings, 'handoff-test-listener'));
      await listener.connect();
      listener.on('notification', () => notifications++);
      await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    });

    after(async function () {
      await listener?.end();
    });

    const leadingRelay = async (outbox: Outbox, more: Partial<OutboxRelayOptions> = {}) => {
      const relay = newRelay(NO_POLL_MS, { outbox, ...more });
      relay.start();
      await waitFor('the relay to lead and to have read the outbox', async () => relay.acceptsHandoff());
      return relay;
    };

    /** Writes events as the Outbox does: without NOTIFY when the handoff takes them. */
    const insert = async (events: EventEnvelope[], commit: Pick<OutboxCommit, 'direct'> | undefined): Promise<OutboxMessage[]> => {
      const rows = outboxMessages(events);
      await db.transaction((trx) => insertOutboxRows(trx, rows, !commit?.direct));
      return rows;
    };
    /** An Outbox whose relay leads and has read the outbox: its commits may hand rows over. */
    const leadingOutbox = async (more: Partial<OutboxRelayOptions> = {}) => {
      const outbox = new Outbox();
      await leadingRelay(outbox, more);
      return outbox;
    };
    const offsetOf = (eventId: string) => reader.messages.find((m) => m.value?.includes(eventId))?.offset;
    const published = (eventId: string) => reader.messages.filter((m) => m.value?.includes(eventId));

    it('sends a commit handed over at once, without NOTIFY or a read, and deletes its row afterwards', async function () {
      const { handoff } = await leadingOutbox();
      const before = notifications;
      const event = orderCreated();
      const commit = handoff.begin();
      expect(commit.direct).to.equal(true);
      commit.committed(await insert([event], commit));
      const [message] = await reader.waitForCount((m) => m.value?.includes(event.eventId) ?? false, 1, 5000);
      expect(JSON.parse(message!.value!)).to.deep.equal(event);
      expect(message!.headers['event-type']).to.equal('OrderCreated');
      await waitFor('the sent row deleted', async () => (await db(OUTBOX_TABLE).where({ event_id: event.eventId })).length === 0, 5000);
      await sleep(200);
      expect(notifications - before, 'NOTIFYs raised').to.equal(0);
    });

    it('raises NOTIFY instead when its relay does not lead: the leading one reads the rows', async function () {
      await leadingOutbox();
      const standby = new Outbox().handoff; // this process's relay is not the leader
      standby.attach({ acceptsHandoff: () => false, mustReadOutbox: () => undefined, wake: () => undefined });
      const before = notifications;
      const event = orderCreated();
      const commit = standby.begin();
      expect(commit.direct).to.equal(false);
      commit.committed(await insert([event], commit));
      await reader.waitForCount((m) => m.value?.includes(event.eventId) ?? false, 1, 5000);
      expect(notifications - before).to.be.greaterThan(0);
    });

    it('sends handed commits in the order their COMMITs were sent, never past one still in flight', async function () {
      const { handoff } = await leadingOutbox();
      const orderId = orderCreated().orderId;
      const [first, second] = [orderCreated(orderId), orderCreated(orderId)];
      const firstCommit = handoff.begin();
      const secondCommit = handoff.begin();
      const firstRows = await insert([first], firstCommit);
      secondCommit.committed(await insert([second], secondCommit));
      await sleep(500);
      expect(published(second.eventId), 'sent while an earlier commit is in flight').to.have.length(0);
      firstCommit.committed(firstRows);
      await reader.waitForCount((m) => m.value?.includes(second.eventId) ?? false, 1, 5000);
      expect(Number(offsetOf(first.eventId))).to.be.lessThan(Number(offsetOf(second.eventId)));
    });

    it('after a commit whose outcome is unknown, reads the outbox before it sends anything newer', async function () {
      const { handoff } = await leadingOutbox();
      const orderId = orderCreated().orderId;
      const [unknown, later] = [orderCreated(orderId), orderCreated(orderId)];
      // Committed without NOTIFY, but the committer never learnt it.
      const lost = handoff.begin();
      expect(lost.direct).to.equal(true);
      await insert([unknown], lost);
      lost.failed();
      const next = handoff.begin();
      next.committed(await insert([later], next));
      // Only a read of the outbox finds the first row: the poll is a minute away.
      await reader.waitForCount((m) => m.value?.includes(later.eventId) ?? false, 1, 5000);
      expect(published(unknown.eventId)).to.have.length(1);
      expect(Number(offsetOf(unknown.eventId))).to.be.lessThan(Number(offsetOf(later.eventId)));
    });

    it('sends once a handed row that a read of the outbox sent while its COMMIT was still being answered', async function () {
      const { handoff } = await leadingOutbox();
      const event = orderCreated();
      const commit = handoff.begin();
      const rows = await insert([event], commit); // committed; the committer has not said so yet
      await db.raw(`select pg_notify('${OUTBOX_CHANNEL}', '')`); // another replica's commit: the relay reads
      await reader.waitForCount((m) => m.value?.includes(event.eventId) ?? false, 1, 5000);
      commit.committed(rows);
      await sleep(500);
      expect(published(event.eventId)).to.have.length(1);
    });

    it('a consumer transaction hands its outbox rows over while the relay takes them, and raises NOTIFY otherwise', async function () {
      const leading = await leadingOutbox();
      const caused: EventEnvelope[] = [];
      // Each event causes one new event, sent as the services' steps send theirs.
      const step: EventStep<never> = {
        types: ['OrderCreated'],
        load: () => ({}),
        play(events) {
          const record = new RunRecord();
          for (const e of events) record.emit(e, 'OrderCreated', { customerId: 'alice', items: [{ sku: 'SKU-1', quantity: 1 }] });
          return { writes: [], record };
        },
      };
      /** Notes the events each commit writes, as the outbox receives them. */
      const watched = (outbox: Outbox) => {
        const commit = outbox.commit.bind(outbox);
        outbox.commit = (tx, writes, events) => {
          caused.push(...events);
          return commit(tx, writes, events);
        };
        return outbox;
      };
      let offset = 0;
      const run = (applier: RunApplier) =>
        applier.apply([{ topic: 'handoff-test', partition: 0, message: { offset: String(offset++) } as KafkaMessage, event: orderCreated() }]);

      const before = notifications;
      const handing = new RunApplier({ db, groupId: 'handing-over', step, logs: new EventLogs(silentLogger), maxCombinedRuns: 1, outbox: watched(leading) });
      expect(await run(handing)).to.deep.equal(['processed']);
      await reader.waitForCount((m) => m.value?.includes(caused[0]!.eventId) ?? false, 1, 5000);
      await sleep(200);
      expect(notifications - before, 'NOTIFYs while handing over').to.equal(0);

      // A consumer whose process's relay does not lead: the leading relay learns of the rows by NOTIFY.
      const notifying = new RunApplier({ db, groupId: 'notifying', step, logs: new EventLogs(silentLogger), maxCombinedRuns: 1, outbox: watched(new Outbox()) });
      expect(await run(notifying)).to.deep.equal(['processed']);
      await reader.waitForCount((m) => m.value?.includes(caused[1]!.eventId) ?? false, 1, 5000);
      expect(notifications - before, 'NOTIFYs without a handoff').to.equal(1);
    });

    it('when a send of handed rows fails, loses nothing: the rows are read from the outbox and sent once', async function () {
      let failNext = true;
      const flaky = Object.create(producer) as Producer;
      flaky.sendBatch = async (batch) => {
        if (failNext) {
          failNext = false;
          throw new Error('broker unreachable');
        }
        return producer.sendBatch(batch);
      };
      const { handoff } = await leadingOutbox({ producer: flaky });
      const event = orderCreated();
      const commit = handoff.begin();
      expect(commit.direct).to.equal(true);
      commit.committed(await insert([event], commit));
      await reader.waitForCount((m) => m.value?.includes(event.eventId) ?? false, 1, 10000);
      expect(failNext, 'the first send failed').to.equal(false);
      await sleep(500);
      expect(published(event.eventId)).to.have.length(1);
    });
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
      await db.transaction((trx) => insertOutboxRows(trx, outboxMessages([orderCreated()]), true));
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
