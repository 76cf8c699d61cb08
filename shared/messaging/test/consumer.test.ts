import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import { dlqTopic, EVENT_TYPE_HEADER, TOPICS } from '@orders/contracts';
import { createEvent } from '../src/events/envelope.js';
import { createKafka, createProducer } from '../src/kafka/client.js';
import { consumerSettings } from '../src/messaging-settings.js';
import { readSettings } from '@orders/platform';
import { consumerTuning, EventConsumer, type EventConsumerOptions } from '../src/kafka/consumer.js';
import { EventFailure, perEventStep, type EventStep, type EventHandlers } from '../src/kafka/event-step.js';
import { Outbox } from '../src/outbox/outbox.js';
import { statement } from '@orders/db';
import { createMetrics } from '@orders/platform';
import { PROCESSED_MESSAGES_TABLE } from '../src/kafka/inbox-table.js';
import { RunApplier } from '../src/kafka/run-applier.js';
import { EventLogs } from '../src/event-logs.js';
import { orderCreated } from '@orders/testing';
import {
  capturingLogger,
  committedOffset,
  createTestDatabase,
  ensureSagaTopics,
  TEST_TOPIC_PREFIX,
  positionGroupAtEnd,
  silentLogger,
  sleep,
  testKafkaSettings,
  waitFor,
} from '@orders/testing';
import { TopicReader } from '@orders/testing';

const TOPIC = TEST_TOPIC_PREFIX + TOPICS.order;

describe('idempotent consumer with DLQ (real PostgreSQL and Kafka)', function () {
  let kafka: Kafka;
  let producer: Producer;
  let db: Knex;
  let drop: () => Promise<void>;
  let dlq: TopicReader;
  const consumers: EventConsumer[] = [];

  /** The handler's effect: one row per applied event. */
  const effect = (event: { orderId: string; eventId: string }) =>
    statement('insert into effects (order_id, event_id) values (?, ?)', [event.orderId, event.eventId]);
  const recordEffect: EventHandlers = { OrderCreated: (event) => [effect(event)] };
  const effectsOf = async (orderId: string) => Number((await db('effects').where({ order_id: orderId }).count({ n: '*' }))[0]!.n);
  /** A handler's effect that notes the transaction applying the event. */
  const noteTransaction = (event: { eventId: string }) =>
    [statement('insert into event_transactions (event_id, txid) values (?, txid_current())', [event.eventId])];
  /** Waits until every event is applied; the transaction of each. */
  const transactionsOf = (eventIds: readonly string[]) =>
    waitFor(`${eventIds.length} events applied`, async () => {
      const rows = await db('event_transactions').whereIn('event_id', eventIds).select('txid');
      return rows.length === eventIds.length ? rows.map((r) => String(r.txid)) : undefined;
    });

  async function startConsumer(
    handlers: EventHandlers,
    groupId = `test-${randomUUID()}`,
    position = true,
    options: Partial<EventConsumerOptions> = {},
  ) {
    if (position) await positionGroupAtEnd(kafka, groupId, [TOPIC]);
    const consumer = new EventConsumer({
      kafka,
      producer,
      db,
      logger: silentLogger,
      groupId,
      topics: [TOPICS.order],
      topicPrefix: TEST_TOPIC_PREFIX,
      step: perEventStep(handlers),
      outbox: new Outbox(),
      // The services' defaults, with quick retries.
      ...consumerTuning(readSettings(consumerSettings, {})),
      maxRetries: 2,
      retryBaseMs: 10,
      ...options,
    });
    consumers.push(consumer);
    await consumer.start();
    return { consumer, groupId };
  }

  const send = (key: string, value: unknown) =>
    producer.send({ topic: TOPIC, messages: [{ key, value: typeof value === 'string' ? value : JSON.stringify(value) }] });

  before(async function () {
    kafka = createKafka(testKafkaSettings('consumer-test'), silentLogger);
    await ensureSagaTopics(kafka);
    producer = createProducer(kafka);
    await producer.connect();
    ({ db, drop } = await createTestDatabase());
    await db.schema.createTable('effects', (t) => {
      t.uuid('order_id').notNullable();
      t.uuid('event_id').notNullable();
    });
    await db.schema.createTable('event_transactions', (t) => {
      t.uuid('event_id').notNullable();
      t.bigint('txid').notNullable();
    });
    dlq = await TopicReader.start(kafka, [dlqTopic(TOPIC)]);
  });

  afterEach(async function () {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  after(async function () {
    await dlq?.stop();
    await producer?.disconnect();
    await drop?.();
  });

  it('applies an event delivered twice only once, and commits past both', async function () {
    const { groupId } = await startConsumer(recordEffect);
    const event = orderCreated();
    const [first] = await send(event.orderId, event);
    await send(event.orderId, event);
    const end = BigInt(first!.baseOffset!) + 2n;
    await waitFor('offsets committed past the duplicate', async () =>
      (await committedOffset(kafka, groupId, TOPIC, first!.partition!)) >= end || undefined,
    );
    expect(await effectsOf(event.orderId)).to.equal(1);
    const processed = await db(PROCESSED_MESSAGES_TABLE).where({ event_id: event.eventId });
    expect(processed).to.have.length(1);
  });

  it('sends a message that is not JSON to <topic>.dlq and keeps consuming', async function () {
    await startConsumer(recordEffect);
    const poisonKey = randomUUID();
    await send(poisonKey, '{not json');
    const next = orderCreated();
    await send(next.orderId, next);
    const [dead] = await dlq.waitForCount((m) => m.key === poisonKey, 1);
    expect(dead!.value).to.equal('{not json');
    expect(dead!.headers['dlq-error']).to.match(/not JSON/);
    expect(dead!.headers['dlq-source-topic']).to.equal(TOPIC);
    await waitFor('next event applied', async () => (await effectsOf(next.orderId)) === 1);
  });

  it('dead-letters unknown event types and events on the wrong topic', async function () {
    await startConsumer(recordEffect);
    const unknown = { ...orderCreated(), type: 'OrderExploded' };
    const wrongTopic = createEvent('PaymentCompleted', {
      orderId: randomUUID(),
      correlationId: 'c',
      payload: { customerId: 'c-1', amountCents: 100 },
    });
    const badPayload = { ...orderCreated(), payload: { customerId: 'c-1', items: [{ sku: 'A', quantity: 0 }] } };
    await send(unknown.orderId, unknown);
    await send(wrongTopic.orderId, wrongTopic);
    await send(badPayload.orderId, badPayload);
    const next = orderCreated();
    await send(next.orderId, next);
    const keys = [unknown.orderId, wrongTopic.orderId, badPayload.orderId];
    const dead = await dlq.waitForCount((m) => keys.includes(m.key ?? ''), 3);
    const errorOf = (key: string) => dead.find((m) => m.key === key)!.headers['dlq-error'];
    expect(errorOf(unknown.orderId)).to.match(/unknown event type "OrderExploded"/);
    expect(errorOf(wrongTopic.orderId)).to.match(/does not belong on topic/);
    expect(errorOf(badPayload.orderId)).to.match(/payload of OrderCreated is invalid/);
    expect(dead.find((m) => m.key === badPayload.orderId)!.headers['dlq-error-details']).to.include('items.0.quantity');
    await waitFor('next event applied', async () => (await effectsOf(next.orderId)) === 1);
  });

  it('retries a failing handler a bounded number of times, then dead-letters it with the error', async function () {
    let attempts = 0;
    const failing = orderCreated();
    await startConsumer({
      OrderCreated: (event) => {
        if (event.orderId !== failing.orderId) return [effect(event)];
        attempts++;
        // Its effect is written, then a statement of the same batch fails in the database.
        return [effect(event), statement(`select 1 / (case when ? then 0 else 1 end)`, [true])];
      },
    });
    const next = orderCreated();
    // One partition for both: runs of two partitions fetched together share a transaction,
    // and after a failure that names no event each run is tried again alone — one try more.
    await producer.send({
      topic: TOPIC,
      messages: [failing, next].map((event) => ({ partition: 0, key: event.orderId, value: JSON.stringify(event) })),
    });
    const [dead] = await dlq.waitForCount((m) => m.key === failing.orderId, 1);
    expect(dead!.headers['dlq-error']).to.equal('division by zero');
    // A database error names no event of its run, so the run's try is not charged to it:
    // then alone, the first try and maxRetries = 2 retries.
    expect(attempts).to.equal(4);
    await waitFor('next event applied', async () => (await effectsOf(next.orderId)) === 1);
    expect(await effectsOf(failing.orderId), 'failed attempts roll back their effect').to.equal(0);
    expect(await db(PROCESSED_MESSAGES_TABLE).where({ event_id: failing.eventId })).to.have.length(0);
  });

  it('applies a batch in shared transactions and isolates a failing message in it', async function () {
    const events = Array.from({ length: 60 }, () => orderCreated());
    const failing = events[37]!;
    let attempts = 0;
    await startConsumer({
      OrderCreated: (event) => {
        if (event.eventId === failing.eventId) {
          attempts++;
          throw new Error('cannot apply this one');
        }
        return [effect(event)];
      },
    });
    await producer.send({ topic: TOPIC, messages: events.map((e) => ({ key: 'one-partition', value: JSON.stringify(e) })) });
    const [dead] = await dlq.waitForCount((m) => m.value?.includes(failing.eventId) ?? false, 1);
    expect(dead!.headers['dlq-error']).to.equal('cannot apply this one');
    expect(attempts).to.equal(3); // the try inside the batch counts: first try + maxRetries = 2
    const others = events.filter((e) => e !== failing).map((e) => e.orderId);
    await waitFor('all others applied', async () =>
      Number((await db('effects').whereIn('order_id', others).count({ n: '*' }))[0]!.n) === others.length || undefined,
    );
    await sleep(300);
    const rows = await db('effects').whereIn('order_id', events.map((e) => e.orderId)).select('order_id');
    expect(rows).to.have.length(others.length);
    expect(new Set(rows.map((r) => r.order_id)).size).to.equal(others.length);
    expect(await effectsOf(failing.orderId)).to.equal(0);
  });

  it('applies two copies of an event in one run once', async function () {
    const { groupId } = await startConsumer(recordEffect);
    const event = orderCreated();
    const [first] = await producer.send({
      topic: TOPIC,
      messages: [0, 1].map(() => ({ key: event.orderId, value: JSON.stringify(event) })),
    });
    await waitFor('offsets committed past both copies', async () =>
      (await committedOffset(kafka, groupId, TOPIC, first!.partition!)) >= BigInt(first!.baseOffset!) + 2n || undefined,
    );
    expect(await effectsOf(event.orderId)).to.equal(1);
  });

  it('skips types it does not handle by their event-type header, unparsed; an unknown type still goes to the DLQ', async function () {
    await startConsumer(recordEffect); // handles OrderCreated only
    const notOurs = randomUUID();
    const unknown = randomUUID();
    await producer.send({
      topic: TOPIC,
      messages: [
        { key: notOurs, value: 'not even JSON', headers: { [EVENT_TYPE_HEADER]: 'OrderCancelled' } },
        { key: unknown, value: 'not even JSON', headers: { [EVENT_TYPE_HEADER]: 'OrderExploded' } },
      ],
    });
    const next = orderCreated();
    await send(next.orderId, next);
    await waitFor('next event applied', async () => (await effectsOf(next.orderId)) === 1);
    const [dead] = await dlq.waitForCount((m) => m.key === unknown, 1);
    expect(dead!.headers['dlq-error']).to.match(/not JSON/);
    await sleep(300);
    expect(dlq.messages.filter((m) => m.key === notOurs), 'a known type of another consumer is not an error').to.have.length(0);
  });

  it('takes no transaction turn for a run it only skips: a handled run right after one is not held back', async function () {
    const applier = new RunApplier({
      db,
      groupId: `test-${randomUUID()}`,
      step: perEventStep(recordEffect),
      outbox: new Outbox(),
      logs: new EventLogs(silentLogger),
      minIntervalMs: 3000, // a second transaction within 3 s would wait for the rest of them
      maxCombinedRuns: 64,
    });
    const at = (partition: number, event: ReturnType<typeof orderCreated> | null) =>
      ({ topic: TOPIC, partition, message: { offset: '0' } as KafkaMessage, event });
    expect(await applier.applyRun([at(0, null), at(0, null)])).to.deep.equal({ outcomes: ['ignored', 'ignored'] });
    const handled = orderCreated();
    const started = performance.now();
    expect(await applier.applyRun([at(1, handled)])).to.deep.equal({ outcomes: ['processed'] });
    expect(performance.now() - started, 'ms the handled run waited').to.be.below(1500);
    expect(await effectsOf(handled.orderId)).to.equal(1);
  });

  it('combines runs of different partitions into one transaction, and isolates a failing event to its own run', async function () {
    const PARTITIONS = 6;
    // Per partition: two events, one that always fails, two more.
    const layout = Array.from({ length: PARTITIONS }, (_, partition) =>
      Array.from({ length: 5 }, (_, i) => ({ partition, event: orderCreated(), fails: i === 2 })),
    ).flat();
    const partitionOf = new Map(layout.map((m) => [m.event.orderId, m.partition]));
    const failing = new Set(layout.filter((m) => m.fails).map((m) => m.event.eventId));
    const attempts = new Map<string, number>();
    const failedInCombinedTx: string[] = [];
    let widest = 0;
    let firstTransaction = true;
    const groupId = `test-${randomUUID()}`;
    await positionGroupAtEnd(kafka, groupId, [TOPIC]);
    await producer.send({
      topic: TOPIC,
      messages: layout.map(({ partition, event }) => ({ partition, key: event.orderId, value: JSON.stringify(event) })),
    });
    const perEvent = perEventStep({
      OrderCreated: (event) => {
        if (!failing.has(event.eventId)) return [effect(event)];
        attempts.set(event.eventId, (attempts.get(event.eventId) ?? 0) + 1);
        throw new Error('cannot apply this one');
      },
    });
    const step: EventStep<never> = {
      types: perEvent.types,
      load: perEvent.load,
      async play(events, loaded, logs) {
        // The first transaction is held, so runs of the other partitions queue up behind it.
        if (firstTransaction) {
          firstTransaction = false;
          await sleep(500);
        }
        const partitions = new Set(events.map((e) => partitionOf.get(e.orderId)));
        widest = Math.max(widest, partitions.size);
        try {
          return await perEvent.play(events, loaded, logs);
        } catch (error) {
          if (partitions.size > 1 && error instanceof EventFailure) failedInCombinedTx.push(events[error.index]!.eventId);
          throw error;
        }
      },
    };
    await startConsumer({}, groupId, false, { step, partitionsConsumedConcurrently: PARTITIONS });
    const applied = layout.filter((m) => !m.fails).map((m) => m.event.orderId);
    await waitFor('all but the failing events applied', async () =>
      Number((await db('effects').whereIn('order_id', applied).count({ n: '*' }))[0]!.n) === applied.length || undefined,
    );
    const failingKeys = new Set(layout.filter((m) => m.fails).map((m) => m.event.orderId));
    await dlq.waitForCount((m) => failingKeys.has(m.key!), failing.size);
    expect(widest, 'one transaction applied runs of several partitions').to.be.greaterThan(1);
    expect(failedInCombinedTx, 'a failing event met in a combined transaction').to.not.be.empty;
    // Each failing event: one attempt in a shared transaction, then alone (maxRetries = 2).
    expect([...attempts.values()]).to.deep.equal([...failing].map(() => 3));
    const rows = await db('effects').whereIn('order_id', [...partitionOf.keys()]).select('order_id');
    expect(rows.map((r) => r.order_id).sort()).to.deep.equal([...applied].sort()); // each good event once, no failing one
  });

  it('applies the batches of every partition one fetch returns in one transaction (two topics of six partitions, default concurrency)', async function () {
    // As a service consumes: two topics. A fetch returns a batch for each of the 12
    // partitions; a concurrency below that would apply them in two transactions or more.
    const PAYMENT_TOPIC = TEST_TOPIC_PREFIX + TOPICS.payment;
    const groupId = `test-${randomUUID()}`;
    await positionGroupAtEnd(kafka, groupId, [TOPIC, PAYMENT_TOPIC]);
    const created = Array.from({ length: 6 }, () => orderCreated());
    const paid = Array.from({ length: 6 }, () =>
      createEvent('PaymentCompleted', { orderId: randomUUID(), correlationId: randomUUID(), payload: { customerId: 'c-1', amountCents: 100 } }),
    );
    const toPartitions = (events: typeof created | typeof paid) => events.map((event, partition) => ({ partition, key: event.orderId, value: JSON.stringify(event) }));
    await producer.sendBatch({
      topicMessages: [
        { topic: TOPIC, messages: toPartitions(created) },
        { topic: PAYMENT_TOPIC, messages: toPartitions(paid) },
      ],
    });
    const { logger, lines: warnings } = capturingLogger('warn');
    await startConsumer({ OrderCreated: noteTransaction, PaymentCompleted: noteTransaction }, groupId, false, {
      topics: [TOPICS.order, TOPICS.payment],
      logger,
    });
    const txids = await transactionsOf([...created, ...paid].map((e) => e.eventId));
    expect(new Set(txids).size, 'transactions for one fetch of 12 partitions').to.equal(1);
    expect(warnings.map((w) => w.msg), 'no warning: the default concurrency covers the assignment').to.deep.equal([]);
  });

  it('waits out the batch interval before it fetches again, so a transaction takes every event that reached the broker meanwhile', async function () {
    // Waiting after the fetch instead would start the next transaction with the first event
    // only: the one sent a third of an interval later would still be at the broker.
    const INTERVAL_MS = 3000;
    await startConsumer({ OrderCreated: noteTransaction }, undefined, true, { batchIntervalMs: INTERVAL_MS });
    const sendToPartition0 = (event: ReturnType<typeof orderCreated>) =>
      producer.send({ topic: TOPIC, messages: [{ partition: 0, key: event.orderId, value: JSON.stringify(event) }] });
    const [first, second, third] = [orderCreated(), orderCreated(), orderCreated()];
    await sendToPartition0(first);
    await transactionsOf([first.eventId]);
    const firstApplied = Date.now();
    await sendToPartition0(second);
    await sleep(INTERVAL_MS / 3);
    await sendToPartition0(third);
    expect(Date.now() - firstApplied, 'ms from the first transaction to the third send').to.be.below(INTERVAL_MS * 0.8);
    const txids = await transactionsOf([second.eventId, third.eventId]);
    expect(new Set(txids).size, 'transactions for two events sent within one interval').to.equal(1);
  });

  it('warns when it is assigned more partitions than CONSUMER_CONCURRENCY', async function () {
    const { logger, lines: warnings } = capturingLogger('warn');
    await startConsumer(recordEffect, `test-${randomUUID()}`, true, { logger, partitionsConsumedConcurrently: 4 });
    await waitFor('the warning', async () => warnings.length > 0 || undefined);
    expect(warnings.map((w) => [w.assignedPartitions, w.concurrency])).to.deep.equal([[6, 4]]);
    expect(String(warnings[0]!.msg)).to.contain('raise CONSUMER_CONCURRENCY');
  });

  it('retries infrastructure faults until they clear instead of dead-lettering', async function () {
    let faults = 0;
    const event = orderCreated();
    await startConsumer({
      OrderCreated: (e) => {
        if (e.orderId === event.orderId && faults < 6) {
          faults++;
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        }
        return [effect(e)];
      },
    });
    await send(event.orderId, event);
    await waitFor('event applied after the faults', async () => (await effectsOf(event.orderId)) === 1);
    expect(faults).to.equal(6); // more than maxRetries, yet not dead-lettered
    expect(dlq.messages.filter((m) => m.key === event.orderId)).to.have.length(0);
  });

  it('commits an offset only after the effect is durable; a restart resumes there', async function () {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const blocked = orderCreated();
    const { consumer, groupId } = await startConsumer({
      OrderCreated: async (e) => {
        if (e.eventId === blocked.eventId) await gate;
        return [effect(e)];
      },
    });
    const before = orderCreated(blocked.orderId); // same key: same partition, before the blocked one
    const [first] = await send(before.orderId, before);
    await waitFor('first event applied', async () => (await effectsOf(before.orderId)) === 1);
    await send(blocked.orderId, blocked);
    await sleep(1000);
    const partition = first!.partition!;
    const blockedOffset = BigInt(first!.baseOffset!) + 1n;
    expect(await committedOffset(kafka, groupId, TOPIC, partition)).to.equal(blockedOffset);

    // Stop while the effect is still pending: nothing is committed for it.
    const stopping = consumer.stop();
    release();
    await stopping;
    consumers.splice(consumers.indexOf(consumer), 1);
    const committed = await committedOffset(kafka, groupId, TOPIC, partition);
    const applied = await effectsOf(blocked.orderId);
    // Either the handler finished before the stop (applied and committed) or it did not (neither).
    expect(committed - blockedOffset).to.equal(BigInt(applied - 1));

    await startConsumer(recordEffect, groupId, false);
    await waitFor('blocked event applied once after restart', async () => (await effectsOf(blocked.orderId)) === 2);
    await waitFor('offset committed', async () =>
      (await committedOffset(kafka, groupId, TOPIC, partition)) === blockedOffset + 1n || undefined,
    );
    await sleep(300);
    expect(await effectsOf(blocked.orderId)).to.equal(2);
  });

  it('commits the offsets of many batches and partitions together, at most once per interval', async function () {
    const metrics = createMetrics('consumer-test');
    const groupId = `test-${randomUUID()}`;
    await startConsumer(recordEffect, groupId, true, { metrics, commitIntervalMs: 1000 });
    const events = Array.from({ length: 24 }, () => orderCreated());
    const started = Date.now();
    const sent = [];
    for (const event of events) {
      sent.push(...(await send(event.orderId, event)));
      await sleep(40); // one at a time: a batch (and a transaction) each
    }
    const ends = new Map<number, bigint>();
    for (const r of sent) ends.set(r.partition, BigInt(r.baseOffset!) + 1n);
    expect(ends.size, 'the events span several partitions').to.be.greaterThan(2);
    // Nothing stays uncommitted once the stream goes quiet.
    for (const [partition, end] of ends) {
      await waitFor(`partition ${partition} committed`, async () => (await committedOffset(kafka, groupId, TOPIC, partition)) >= end || undefined);
    }
    const seconds = (Date.now() - started) / 1000;
    const value = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values.reduce((sum, v) => sum + v.value, 0);
    const histogram = await metrics.registry.getSingleMetric('kafka_consumer_transaction_messages')!.get();
    const transactions = (histogram.values as { metricName?: string; value: number }[]).find((v) => v.metricName?.endsWith('_count'))!.value;
    // Every transaction's wall time is recorded too: the bench divides their sum by its window.
    const times = (await metrics.registry.getSingleMetric('kafka_consumer_transaction_seconds')!.get()).values as { metricName?: string; value: number }[];
    const timed = (suffix: string) => times.find((v) => v.metricName?.endsWith(suffix))!.value;
    expect(timed('_count'), 'one duration per transaction').to.equal(transactions);
    expect(timed('_sum') / transactions, 'mean seconds per transaction').to.be.greaterThan(0).and.lessThan(seconds);
    const requests = await value('kafka_consumer_offset_commit_requests_total');
    expect(transactions, 'the events came in separate batches').to.be.greaterThan(12);
    expect(requests, 'one commit request per interval, not per batch').to.be.at.most(Math.ceil(seconds) + 1);
    expect(await value('kafka_consumer_offset_commits_total'), 'each request commits several partitions').to.be.greaterThan(requests);
  });

  it('loses and doubles nothing when the group rebalances mid-stream', async function () {
    const groupId = `test-${randomUUID()}`;
    await startConsumer(recordEffect, groupId);
    const second = await startConsumer(recordEffect, groupId, false);
    const events = Array.from({ length: 300 }, () => orderCreated());
    const sending = (async () => {
      for (let i = 0; i < events.length; i += 20) {
        await producer.send({
          topic: TOPIC,
          messages: events.slice(i, i + 20).map((e) => ({ key: e.orderId, value: JSON.stringify(e) })),
        });
        await sleep(20);
      }
    })();
    await sleep(300);
    await second.consumer.stop(); // the group rebalances onto the first consumer
    consumers.splice(consumers.indexOf(second.consumer), 1);
    await startConsumer(recordEffect, groupId, false); // and again when a third joins
    await sending;
    const ids = events.map((e) => e.orderId);
    await waitFor(
      'all events applied',
      async () => Number((await db('effects').whereIn('order_id', ids).count({ n: '*' }))[0]!.n) >= ids.length,
      30000,
    );
    await sleep(500);
    const rows = await db('effects').whereIn('order_id', ids).select('order_id');
    expect(rows).to.have.length(ids.length);
    expect(new Set(rows.map((r) => r.order_id)).size).to.equal(ids.length);
  });
});
