import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Producer } from 'kafkajs';
import { createKafka, createProducer } from '@orders/messaging';
import { kafkaUser, silentLogger, sleep, testKafkaSettings, waitFor } from '@orders/testing';
import { KAFKA_USERS } from '@orders/contracts';
import { TopicReader } from '@orders/testing';
import { Api, TERMINAL, type ApiResponse, type Order } from '../support/api.js';
import { settledViolations } from '../support/invariants.js';
import { LocalSystem } from '../support/system.js';

const SAGA_TIMEOUT_MS = 4000;
/** A cancellation not confirmed this long is asked for again (short, so the lost-event test is quick). */
const COMPENSATION_RETRY_MS = 3000;

describe('order saga end to end (three services, real Kafka and PostgreSQL)', function () {
  this.timeout(60000);
  let system: LocalSystem;
  let api: Api;
  const unique = Api.unique;

  before(async function () {
    system = await LocalSystem.start({
      env: { SAGA_TIMEOUT_MS: String(SAGA_TIMEOUT_MS), COMPENSATION_RETRY_MS: String(COMPENSATION_RETRY_MS), SAGA_SWEEP_INTERVAL_MS: '250' },
    });
    api = new Api(system);
  });

  after(async function () {
    await system?.stop();
  });

  /** A customer with `balance` and products with the given price and stock. */
  async function fixture(balance: number, products: { price: number; stock: number }[]) {
    const customer = unique('cust');
    await api.account(customer, balance);
    const skus: string[] = [];
    for (const p of products) {
      const sku = unique('SKU');
      await api.product(sku, p.price, p.stock);
      skus.push(sku);
    }
    return { customer, skus };
  }

  /** A reader of `topics` and a producer, for a test that sends saga events itself; both closed after `use`. */
  async function withKafka(clientId: string, topics: string[], use: (reader: TopicReader, producer: Producer) => Promise<void>) {
    const kafka = createKafka(testKafkaSettings(clientId), silentLogger);
    const reader = await TopicReader.start(kafka, topics);
    const producer = createProducer(kafka);
    await producer.connect();
    try {
      await use(reader, producer);
    } finally {
      await reader.stop();
      await producer.disconnect();
    }
  }

  describe('outcomes', function () {
    it('confirms an order: stock sold, customer charged the catalogue total', async function () {
      const { customer, skus } = await fixture(10_000, [{ price: 1250, stock: 10 }, { price: 300, stock: 5 }]);
      const placed = await api.placeOrder(customer, [
        { sku: skus[0]!, quantity: 2 },
        { sku: skus[1]!, quantity: 3 },
      ]);
      expect(placed.status).to.equal(202);
      expect(placed.body).to.include({ customerId: customer, status: 'PENDING', reason: null, totalCents: null });
      expect(placed.body.items).to.deep.equal([
        { sku: skus[0], quantity: 2, unitPriceCents: null },
        { sku: skus[1], quantity: 3, unitPriceCents: null },
      ]);

      const order = await api.waitForStatus(placed.body.id, 'CONFIRMED');
      expect(order.totalCents).to.equal(2 * 1250 + 3 * 300);
      expect(order.items.map((i) => i.unitPriceCents)).to.deep.equal([1250, 300]);
      expect(await api.balance(customer)).to.equal(10_000 - 3400);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 8, reserved: 0, sold: 2 });
      const payment = await api.request('payment', 'GET', `/payments/${order.id}`);
      expect(payment.body).to.deep.equal({ orderId: order.id, customerId: customer, amountCents: 3400, status: 'CAPTURED' });
    });

    it("keeps each order's saga as a timeline: every event, the service that emitted it, when", async function () {
      const { customer, skus } = await fixture(10_000, [{ price: 100, stock: 5 }]);
      const order = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 1 }]);
      expect(order.status).to.equal('CONFIRMED');
      const timeline = (await api.request('order', 'GET', `/orders/${order.id}/timeline`)).body;
      expect(timeline.order).to.deep.equal(order);
      expect(timeline.events.map((e: { type: string; emittedBy: string }) => `${e.type} by ${e.emittedBy}`)).to.deep.equal([
        'OrderCreated by order',
        'InventoryReserved by inventory',
        'PaymentCompleted by payment',
      ]);
      const times = timeline.events.map((e: { occurredAt: string }) => Date.parse(e.occurredAt));
      expect(times).to.deep.equal([...times].sort((a, b) => a - b));
      for (const e of timeline.events) expect(Date.parse(e.recordedAt)).to.be.at.least(Date.parse(e.occurredAt));

      await api.request('order', 'POST', `/orders/${order.id}/cancel`);
      await api.waitForStatus(order.id, 'CANCELLED');
      const after = (await api.request('order', 'GET', `/orders/${order.id}/timeline`)).body;
      expect(after.events.slice(3).map((e: { type: string }) => e.type).sort()).to.deep.equal(['InventoryReleased', 'OrderCancelled', 'PaymentRefunded']);
      expect((await api.request('order', 'GET', `/orders/${randomUUID()}/timeline`)).status).to.equal(404);
    });

    it('rejects an order when stock is short (OUT_OF_STOCK), charging nothing', async function () {
      const { customer, skus } = await fixture(10_000, [{ price: 100, stock: 1 }]);
      const order = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 2 }]);
      expect(order).to.include({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
      expect(await api.balance(customer)).to.equal(10_000);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 1, reserved: 0, sold: 0 });
      expect((await api.request('payment', 'GET', `/payments/${order.id}`)).status).to.equal(404);
    });

    it('rejects an order for an unknown product (UNKNOWN_PRODUCT)', async function () {
      const { customer } = await fixture(10_000, []);
      const order = await api.orderToEnd(customer, [{ sku: unique('NOPE'), quantity: 1 }]);
      expect(order).to.include({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT' });
    });

    it('reserves all lines or none', async function () {
      const { customer, skus } = await fixture(100_000, [{ price: 100, stock: 10 }, { price: 100, stock: 10 }, { price: 100, stock: 1 }]);
      const order = await api.orderToEnd(customer, [
        { sku: skus[0]!, quantity: 5 },
        { sku: skus[1]!, quantity: 5 },
        { sku: skus[2]!, quantity: 2 },
      ]);
      expect(order).to.include({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
      for (const sku of skus) expect(await api.getProduct(sku)).to.include({ reserved: 0, sold: 0 });
      expect((await api.getProduct(skus[0]!)).available).to.equal(10);
    });

    it('cancels on insufficient funds and releases the reserved stock', async function () {
      const { customer, skus } = await fixture(500, [{ price: 400, stock: 3 }]);
      const order = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 2 }]);
      expect(order).to.include({ status: 'CANCELLED', reason: 'INSUFFICIENT_FUNDS', totalCents: 800 });
      await waitFor('stock released', async () => (await api.getProduct(skus[0]!)).available === 3);
      expect(await api.getProduct(skus[0]!)).to.include({ reserved: 0, sold: 0 });
      expect(await api.balance(customer)).to.equal(500);
    });

    it('cancels for an unknown customer and releases the stock', async function () {
      const { skus } = await fixture(0, [{ price: 400, stock: 3 }]);
      const order = await api.orderToEnd(unique('ghost'), [{ sku: skus[0]!, quantity: 1 }]);
      expect(order).to.include({ status: 'CANCELLED', reason: 'UNKNOWN_CUSTOMER' });
      await waitFor('stock released', async () => (await api.getProduct(skus[0]!)).available === 3);
    });
  });

  describe('cancellation and compensation', function () {
    it('cancels a confirmed order: refund and restock; a second cancel is 409', async function () {
      const { customer, skus } = await fixture(5000, [{ price: 1000, stock: 4 }]);
      const confirmed = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 3 }]);
      expect(confirmed.status).to.equal('CONFIRMED');
      expect(await api.balance(customer)).to.equal(2000);

      const cancel = await api.request<Order>('order', 'POST', `/orders/${confirmed.id}/cancel`);
      expect(cancel.status).to.equal(202);
      expect(cancel.body).to.include({ status: 'CANCELLING', reason: 'CUSTOMER_REQUEST' });
      const cancelled = await api.waitForStatus(confirmed.id, 'CANCELLED');
      expect(cancelled.reason).to.equal('CUSTOMER_REQUEST');
      expect(await api.balance(customer)).to.equal(5000);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 4, reserved: 0, sold: 0 });
      expect((await api.request('payment', 'GET', `/payments/${confirmed.id}`)).body.status).to.equal('REFUNDED');

      const again = await api.request('order', 'POST', `/orders/${confirmed.id}/cancel`);
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal('ORDER_NOT_CANCELLABLE');
    });

    it('cancels an order still PENDING (inventory down): it is never charged and its stock comes back', async function () {
      const { customer, skus } = await fixture(5000, [{ price: 1000, stock: 2 }]);
      await system.stopService('inventory');
      try {
        const placed = await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 1 }]);
        expect((await api.order(placed.body.id)).status).to.equal('PENDING');
        const cancel = await api.request<Order>('order', 'POST', `/orders/${placed.body.id}/cancel`);
        expect(cancel.status).to.equal(202);
        expect(cancel.body.status).to.equal('CANCELLING');
        await system.startService('inventory');
        const order = await api.waitForStatus(placed.body.id, 'CANCELLED');
        expect(order.reason).to.equal('CUSTOMER_REQUEST');
      } finally {
        if (!system.processes.has('inventory')) await system.startService('inventory');
      }
      await waitFor('stock back', async () => (await api.getProduct(skus[0]!)).available === 2);
      await sleep(300);
      expect(await api.balance(customer)).to.equal(5000);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 2, reserved: 0, sold: 0 });
    });

    it('cancels an order RESERVED while payment is down; any charge is refunded', async function () {
      const { customer, skus } = await fixture(5000, [{ price: 1000, stock: 2 }]);
      await system.stopService('payment');
      let orderId: string;
      try {
        const placed = await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 2 }]);
        orderId = placed.body.id;
        await api.waitForStatus(orderId, 'RESERVED');
        expect((await api.request('order', 'POST', `/orders/${orderId}/cancel`)).status).to.equal(202);
      } finally {
        await system.startService('payment');
      }
      const order = await api.waitForStatus(orderId, 'CANCELLED');
      expect(order.reason).to.equal('CUSTOMER_REQUEST');
      await waitFor('balance restored', async () => (await api.balance(customer)) === 5000);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 2, reserved: 0, sold: 0 });
    });

    it(`times out an order stuck RESERVED after ${SAGA_TIMEOUT_MS} ms and compensates it fully`, async function () {
      const { customer, skus } = await fixture(5000, [{ price: 700, stock: 3 }]);
      await system.stopService('payment');
      let orderId: string;
      try {
        const placed = await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 1 }]);
        orderId = placed.body.id;
        await api.waitForStatus(orderId, 'RESERVED');
        const cancelling = await api.waitForStatus(orderId, 'CANCELLING', SAGA_TIMEOUT_MS + 5000);
        expect(cancelling.reason).to.equal('TIMEOUT');
        const age = Date.parse(cancelling.updatedAt) - Date.parse(cancelling.createdAt);
        expect(age).to.be.at.least(SAGA_TIMEOUT_MS);
      } finally {
        await system.startService('payment');
      }
      const order = await api.waitForStatus(orderId, 'CANCELLED');
      expect(order.reason).to.equal('TIMEOUT');
      await waitFor('balance restored', async () => (await api.balance(customer)) === 5000);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 3, reserved: 0, sold: 0 });
    });

    it(`times out an order stuck PENDING (inventory down) after ${SAGA_TIMEOUT_MS} ms; stock and money stay whole`, async function () {
      const { customer, skus } = await fixture(5000, [{ price: 900, stock: 2 }]);
      await system.stopService('inventory');
      let orderId: string;
      try {
        const placed = await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 2 }]);
        orderId = placed.body.id;
        const cancelling = await api.waitForStatus(orderId, 'CANCELLING', SAGA_TIMEOUT_MS + 5000);
        expect(cancelling.reason).to.equal('TIMEOUT');
        expect(Date.parse(cancelling.updatedAt) - Date.parse(cancelling.createdAt)).to.be.at.least(SAGA_TIMEOUT_MS);
      } finally {
        await system.startService('inventory');
      }
      // Inventory now sees OrderCreated and OrderCancelled in order: the cancel blocks the reservation.
      const order = await api.waitForStatus(orderId, 'CANCELLED');
      expect(order.reason).to.equal('TIMEOUT');
      await sleep(500);
      expect(await api.balance(customer)).to.equal(5000);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 2, reserved: 0, sold: 0 });
      expect((await api.request('payment', 'GET', `/payments/${orderId}`)).status).to.equal(404);
    });

    it(`asks again for a compensation whose OrderCancelled was lost, and still ends CANCELLED (after ${COMPENSATION_RETRY_MS} ms)`, async function () {
      const { customer, skus } = await fixture(5000, [{ price: 1000, stock: 3 }]);
      const confirmed = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 1 }]);
      expect(confirmed.status).to.equal('CONFIRMED');
      // The order was set CANCELLING but its OrderCancelled never reached the outbox (as if lost).
      await system.db('order')('orders').where({ id: confirmed.id }).update({ status: 'CANCELLING', reason: 'CUSTOMER_REQUEST', updated_at: new Date() });
      const order = await api.waitForStatus(confirmed.id, 'CANCELLED', COMPENSATION_RETRY_MS + 10000);
      expect(order.reason).to.equal('CUSTOMER_REQUEST');
      await waitFor('refund', async () => (await api.balance(customer)) === 5000);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 3, reserved: 0, sold: 0 });
    });

    it('a refunded order stays refunded when its OrderCancelled comes again, as it was or under a new id', async function () {
      await withKafka('e2e-recancel', [`${system.topicPrefix}order-events`], async (reader, producer) => {
        const { customer, skus } = await fixture(5000, [{ price: 1200, stock: 2 }]);
        const confirmed = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 1 }]);
        expect((await api.request('order', 'POST', `/orders/${confirmed.id}/cancel`)).status).to.equal(202);
        await api.waitForStatus(confirmed.id, 'CANCELLED');
        const [cancel] = await reader.waitForCount((m) => m.key === confirmed.id && JSON.parse(m.value!).type === 'OrderCancelled', 1);
        const account = () => system.db('payment')('accounts').where({ customer_id: customer }).first('balance_cents', 'refunded_cents', 'captured_cents');
        const before = await account();
        expect(before).to.deep.include({ balance_cents: '5000', refunded_cents: '1200', captured_cents: '1200' });
        const event = JSON.parse(cancel!.value!);
        await producer.send({
          topic: cancel!.topic,
          messages: [
            { key: cancel!.key, value: cancel!.value },
            { key: cancel!.key, value: JSON.stringify({ ...event, eventId: randomUUID() }) },
          ],
        });
        await sleep(1500);
        expect(await account()).to.deep.equal(before);
        expect((await api.request('payment', 'GET', `/payments/${confirmed.id}`)).body).to.include({ status: 'REFUNDED', amountCents: 1200 });
        expect(await api.getProduct(skus[0]!)).to.include({ available: 2, reserved: 0, sold: 0 });
        expect((await api.order(confirmed.id)).status).to.equal('CANCELLED');
      });
    });

    it('an order whose payment failed is never charged, even when its InventoryReserved comes again under a new id once the balance covers it', async function () {
      await withKafka('e2e-refailed', [`${system.topicPrefix}inventory-events`], async (reader, producer) => {
        const { customer, skus } = await fixture(500, [{ price: 1200, stock: 2 }]);
        const failed = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 1 }]);
        expect(failed).to.include({ status: 'CANCELLED', reason: 'INSUFFICIENT_FUNDS' });
        const [reserved] = await reader.waitForCount((m) => m.key === failed.id && JSON.parse(m.value!).type === 'InventoryReserved', 1);
        await api.account(customer, 10_000);
        const event = JSON.parse(reserved!.value!);
        await producer.send({ topic: reserved!.topic, messages: [{ key: reserved!.key, value: JSON.stringify({ ...event, eventId: randomUUID() }) }] });
        await sleep(1500);
        expect((await api.request('payment', 'GET', `/payments/${failed.id}`)).status).to.equal(404);
        expect(await api.balance(customer)).to.equal(10_000);
        expect((await api.order(failed.id)).status).to.equal('CANCELLED');
      });
    });

    it('answers 404 with a code for unknown orders, payments, products and accounts', async function () {
      const id = randomUUID();
      for (const [service, path] of [
        ['order', `/orders/${id}`],
        ['order', `/orders/${id}/cancel`],
        ['payment', `/payments/${id}`],
        ['payment', `/accounts/${unique('nobody')}`],
        ['inventory', `/products/${unique('NONE')}`],
      ] as const) {
        const method = path.endsWith('/cancel') ? 'POST' : 'GET';
        const res = await api.request(service, method, path);
        expect(res.status, `${method} ${path}`).to.equal(404);
        expect(res.body.error.code).to.equal('NOT_FOUND');
      }
      const restock = await api.request('inventory', 'POST', `/products/${unique('NONE')}/restock`, { quantity: 1 });
      expect(restock.status).to.equal(404);
      const deposit = await api.request('payment', 'POST', `/accounts/${unique('nobody')}/deposits`, { amountCents: 1 });
      expect(deposit.status).to.equal(404);
    });
  });

  describe('Idempotency-Key', function () {
    it('returns the first answer to a retry and creates nothing more', async function () {
      const { customer, skus } = await fixture(10_000, [{ price: 100, stock: 10 }]);
      const key = randomUUID();
      const items = [{ sku: skus[0]!, quantity: 1 }];
      const first = await api.placeOrder(customer, items, { 'Idempotency-Key': key });
      const retry = await api.placeOrder(customer, items, { 'Idempotency-Key': key });
      expect(first.status).to.equal(202);
      expect(retry.status).to.equal(202);
      expect(retry.body).to.deep.equal(first.body);
      expect(retry.headers.get('idempotent-replayed')).to.equal('true');
      await api.waitForStatus(first.body.id, 'CONFIRMED');
      const listed = await api.request('order', 'GET', `/orders?customerId=${customer}`);
      expect(listed.body.items).to.have.length(1);
      expect(await api.balance(customer)).to.equal(9900);
    });

    it('answers 409 for the same key with a different body', async function () {
      const { customer, skus } = await fixture(10_000, [{ price: 100, stock: 10 }]);
      const key = randomUUID();
      await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 1 }], { 'Idempotency-Key': key });
      const other: { status: number; body: any } = await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 2 }], { 'Idempotency-Key': key });
      expect(other.status).to.equal(409);
      expect(other.body.error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    });

    it('creates one order for concurrent requests with one key', async function () {
      const { customer, skus } = await fixture(10_000, [{ price: 100, stock: 50 }]);
      const key = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => api.placeOrder(customer, [{ sku: skus[0]!, quantity: 1 }], { 'Idempotency-Key': key })),
      );
      expect(answers.map((a) => a.status)).to.deep.equal(Array(8).fill(202));
      expect(new Set(answers.map((a) => a.body.id)).size).to.equal(1);
      const listed = await api.request('order', 'GET', `/orders?customerId=${customer}`);
      expect(listed.body.items).to.have.length(1);
    });
  });

  describe('duplicated and poison events', function () {
    it('does not charge or reserve twice when saga events are delivered again', async function () {
      const topics = [`${system.topicPrefix}order-events`, `${system.topicPrefix}inventory-events`];
      await withKafka('e2e-dup', topics, async (reader, producer) => {
        const { customer, skus } = await fixture(10_000, [{ price: 1000, stock: 5 }]);
        const order = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 2 }]);
        expect(order.status).to.equal('CONFIRMED');
        const ofOrder = await reader.waitForCount((m) => m.key === order.id, 2);
        // The same messages again (a redelivery), and the same facts under new event ids.
        for (const message of ofOrder) {
          const event = JSON.parse(message.value!);
          await producer.send({
            topic: message.topic,
            messages: [
              { key: message.key, value: message.value },
              { key: message.key, value: JSON.stringify({ ...event, eventId: randomUUID() }) },
            ],
          });
        }
        await sleep(1500);
        expect(await api.balance(customer)).to.equal(8000);
        expect(await api.getProduct(skus[0]!)).to.include({ available: 3, reserved: 0, sold: 2 });
        expect((await api.order(order.id)).status).to.equal('CONFIRMED');
      });
    });

    it('sends a poison message to the DLQ and keeps processing orders', async function () {
      const topic = `${system.topicPrefix}order-events`;
      await withKafka('e2e-poison', [`${topic}.dlq`], async (dlq, producer) => {
        const key = randomUUID();
        await producer.send({ topic, messages: [{ key, value: '{"type":"OrderCreated","this is":"not an event"}' }] });
        const dead = await dlq.waitForCount((m) => m.key === key, 2); // inventory's and payment's copies
        expect(new Set(dead.map((m) => m.headers['dlq-consumer-group']))).to.deep.equal(
          new Set([`${system.topicPrefix}inventory-service`, `${system.topicPrefix}payment-service`]),
        );
        const { customer, skus } = await fixture(1000, [{ price: 100, stock: 1 }]);
        expect((await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 1 }])).status).to.equal('CONFIRMED');
      });
    });
  });

  describe("each service's own Kafka user (SCRAM) and its ACLs", function () {
    /** Sends one message to `topic` as `user`; the broker's answer: 'sent' or the refusal's type. */
    async function sendAs(user: string, topic: string, value: string): Promise<string> {
      const kafka = createKafka({ ...testKafkaSettings(`forger-${user}`, user), topicPrefix: system.topicPrefix }, silentLogger);
      const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
      try {
        await producer.connect();
        await producer.send({ topic, messages: [{ key: randomUUID(), value }] });
        return 'sent';
      } catch (error) {
        const e = error as { type?: string; cause?: { type?: string }; name: string };
        return e.type ?? e.cause?.type ?? e.name;
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    }

    it('the broker refuses a PaymentCompleted forged by the inventory service, and the order is charged only by the saga', async function () {
      const { customer, skus } = await fixture(5_000, [{ price: 1000, stock: 5 }]);
      const placed = await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 1 }]);
      const forged = JSON.stringify({
        eventId: randomUUID(),
        type: 'PaymentCompleted',
        version: 1,
        orderId: placed.body.id,
        occurredAt: new Date().toISOString(),
        payload: { customerId: customer, amountCents: 0 },
      });
      expect(await sendAs('inventory-service', `${system.topicPrefix}payment-events`, forged)).to.equal('TOPIC_AUTHORIZATION_FAILED');
      expect(await sendAs('kafka-ui', `${system.topicPrefix}payment-events`, forged), 'Kafka UI only reads').to.equal('TOPIC_AUTHORIZATION_FAILED');
      // Its own topic, it may write.
      expect(await sendAs('inventory-service', `${system.topicPrefix}inventory-events`, '{"not":"an event"}')).to.equal('sent');
      const order = await api.waitForStatus(placed.body.id, 'CONFIRMED');
      expect(order.totalCents).to.equal(1000);
      expect(await api.balance(customer)).to.equal(4_000);
    });

    it('no log line of the services or the topics command holds a Kafka password', function () {
      const logs = readdirSync(system.logDir).map((f) => readFileSync(path.join(system.logDir, f), 'utf8')).join('\n');
      expect(logs).to.include('ACLs in place');
      for (const user of KAFKA_USERS) expect(logs, user).to.not.include(kafkaUser(user).saslPassword);
    });

    it('a wrong password is refused at the door', async function () {
      const kafka = createKafka({ ...testKafkaSettings('wrong-password', 'order-service'), saslPassword: 'not-the-password' }, silentLogger);
      const admin = kafka.admin({ retry: { retries: 0 } });
      const error = await admin.connect().then(
        () => null,
        (e: Error) => e,
      );
      await admin.disconnect();
      expect(error?.name).to.equal('KafkaJSSASLAuthenticationError');
    });
  });

  describe('concurrency', function () {
    it('confirms exactly one of many concurrent orders for the last unit', async function () {
      const { skus } = await fixture(0, [{ price: 500, stock: 1 }]);
      const customers = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const c = unique('racer');
          await api.account(c, 1000);
          return c;
        }),
      );
      const placed = await Promise.all(customers.map((c) => api.placeOrder(c, [{ sku: skus[0]!, quantity: 1 }])));
      const finals = await Promise.all(placed.map((p) => api.waitForStatus(p.body.id, TERMINAL)));
      expect(finals.filter((o) => o.status === 'CONFIRMED')).to.have.length(1);
      expect(finals.filter((o) => o.status === 'REJECTED' && o.reason === 'OUT_OF_STOCK')).to.have.length(11);
      expect(await api.getProduct(skus[0]!)).to.include({ available: 0, reserved: 0, sold: 1 });
    });

    it('never loses money under concurrent deposits and charges, and never goes below zero', async function () {
      const { customer, skus } = await fixture(2000, [{ price: 300, stock: 1000 }]);
      const orders = Array.from({ length: 30 }, () => api.placeOrder(customer, [{ sku: skus[0]!, quantity: 1 }]));
      const deposits = Array.from({ length: 20 }, () =>
        api.request('payment', 'POST', `/accounts/${customer}/deposits`, { amountCents: 100 }),
      );
      const [placed, deposited] = await Promise.all([Promise.all(orders), Promise.all(deposits)]);
      expect(deposited.every((d) => d.status === 200)).to.equal(true);
      const finals = await Promise.all(placed.map((p) => api.waitForStatus(p.body.id, TERMINAL)));
      const confirmed = finals.filter((o) => o.status === 'CONFIRMED').length;
      const failed = finals.filter((o) => o.reason === 'INSUFFICIENT_FUNDS').length;
      expect(confirmed + failed).to.equal(30);
      expect(confirmed).to.be.at.least(6); // 2000 alone pays for 6
      const balance = await api.balance(customer);
      expect(balance).to.equal(2000 + 20 * 100 - confirmed * 300);
      expect(balance).to.be.at.least(0);
      await waitFor('stock settled', async () => (await api.getProduct(skus[0]!)).reserved === 0);
      expect(await api.getProduct(skus[0]!)).to.include({ sold: confirmed, available: 1000 - confirmed });
    });
  });

  describe('conditional writes (If-Match): a stale whole-value write cannot undo a change it never saw', function () {
    it('a product replaced from a read taken before an order sold stock is refused (412); without If-Match 428; from a fresh read it is replaced', async function () {
      const { customer, skus } = await fixture(10_000, [{ price: 100, stock: 10 }]);
      const sku = skus[0]!;
      const read = await api.request('inventory', 'GET', `/products/${sku}`);
      const stale = read.headers.get('etag')!;
      expect(stale).to.match(/^"\d+"$/);
      expect((await api.orderToEnd(customer, [{ sku, quantity: 3 }])).status).to.equal('CONFIRMED');
      const body = { name: 'Renamed', priceCents: 100, available: read.body.available };
      const refused = await api.request('inventory', 'PUT', `/products/${sku}`, body, { 'if-match': stale });
      expect([refused.status, refused.body.error.code]).to.deep.equal([412, 'PRECONDITION_FAILED']);
      const blind = await api.request('inventory', 'PUT', `/products/${sku}`, body);
      expect([blind.status, blind.body.error.code]).to.deep.equal([428, 'PRECONDITION_REQUIRED']);
      expect(await api.getProduct(sku)).to.include({ available: 7, sold: 3, name: `Product ${sku}` });
      const fresh = await api.request('inventory', 'GET', `/products/${sku}`);
      const replaced = await api.request('inventory', 'PUT', `/products/${sku}`, { ...body, available: fresh.body.available }, { 'if-match': fresh.headers.get('etag')! });
      expect(replaced.status).to.equal(200);
      expect(replaced.body).to.include({ name: 'Renamed', available: 7, sold: 3 });
      expect(replaced.headers.get('etag')).to.not.equal(fresh.headers.get('etag'));
    });

    it('of twenty concurrent replaces from one read, exactly one lands (real PostgreSQL)', async function () {
      const { skus } = await fixture(0, [{ price: 100, stock: 5 }]);
      const etag = (await api.request('inventory', 'GET', `/products/${skus[0]}`)).headers.get('etag')!;
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => api.request('inventory', 'PUT', `/products/${skus[0]}`, { name: `n${i}`, priceCents: 100, available: 5 + i }, { 'if-match': etag })),
      );
      expect(answers.filter((a) => a.status === 200)).to.have.length(1);
      expect(answers.filter((a) => a.status === 412)).to.have.length(19);
      const winner = answers.find((a) => a.status === 200)!.body;
      expect(await api.getProduct(skus[0]!)).to.include({ name: winner.name, available: winner.available });
    });

    it('a balance set from a read taken before a charge is refused (412), so the charge is not erased', async function () {
      const { customer, skus } = await fixture(5_000, [{ price: 1_000, stock: 5 }]);
      const stale = (await api.request('payment', 'GET', `/accounts/${customer}`)).headers.get('etag')!;
      expect((await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 1 }])).status).to.equal('CONFIRMED');
      const refused = await api.request('payment', 'PUT', `/accounts/${customer}`, { balanceCents: 5_000 }, { 'if-match': stale });
      expect([refused.status, refused.body.error.code]).to.deep.equal([412, 'PRECONDITION_FAILED']);
      expect((await api.request('payment', 'PUT', `/accounts/${customer}`, { balanceCents: 5_000 })).status).to.equal(428);
      expect(await api.balance(customer)).to.equal(4_000);
      const bad = await api.request('payment', 'PUT', `/accounts/${customer}`, { balanceCents: 1 }, { 'if-match': 'W/"1"' });
      expect([bad.status, bad.body.error.code]).to.deep.equal([400, 'INVALID_PRECONDITION']);
    });
  });

  describe('listing', function () {
    it('pages newest first with a cursor: stable, no gaps, no repeats', async function () {
      const { customer, skus } = await fixture(1_000_000, [{ price: 1, stock: 1000 }]);
      const created: string[] = [];
      for (let i = 0; i < 23; i++) created.push((await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 1 }])).body.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `/orders?customerId=${customer}&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await api.request('order', 'GET', query);
        expect(page.status).to.equal(200);
        expect(page.body.items.length).to.be.at.most(5);
        seen.push(...page.body.items.map((o: Order) => o.id));
        cursor = page.body.nextCursor;
        pages++;
        // Orders created while paging appear only on the first page, never in later ones.
        if (pages === 2) await api.placeOrder(customer, [{ sku: skus[0]!, quantity: 1 }]);
      } while (cursor);
      expect(pages).to.equal(5);
      expect(seen).to.deep.equal([...created].reverse());
    });

    it('pages the catalogue by SKU with a cursor: at most the limit per page, no gaps, no repeats; a cursor of another list is refused', async function () {
      const { skus } = await fixture(0, Array.from({ length: 12 }, () => ({ price: 1, stock: 1 })));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: ApiResponse = await api.request('inventory', 'GET', `/products?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).to.equal(200);
        expect(page.body.items.length).to.be.at.most(7);
        seen.push(...page.body.items.map((p: { sku: string }) => p.sku));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor && pages < 1000);
      expect(new Set(seen).size, 'no repeats').to.equal(seen.length);
      expect(seen).to.include.members(skus);
      expect(pages).to.equal(Math.ceil(seen.length / 7));
      const first = await api.request('inventory', 'GET', '/products');
      expect(first.body.items.length).to.equal(Math.min(20, seen.length));
      const ordersCursor = (await api.request('order', 'GET', '/orders?limit=1')).body.nextCursor as string;
      for (const bad of [`cursor=${ordersCursor}`, 'cursor=bm9wZQ', 'limit=101', 'limit=0', 'sort=name']) {
        const res = await api.request('inventory', 'GET', `/products?${bad}`);
        expect(res.status, bad).to.equal(400);
        expect(res.body.error.code, bad).to.equal(bad.startsWith('cursor') ? 'INVALID_CURSOR' : 'VALIDATION_FAILED');
      }
    });

    it('filters by status and rejects bad query parameters', async function () {
      const { customer, skus } = await fixture(100, [{ price: 100, stock: 1 }]);
      const ok = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 1 }]);
      const rejected = await api.orderToEnd(customer, [{ sku: skus[0]!, quantity: 1 }]);
      expect([ok.status, rejected.status]).to.deep.equal(['CONFIRMED', 'REJECTED']);
      const confirmed = await api.request('order', 'GET', `/orders?customerId=${customer}&status=CONFIRMED`);
      expect(confirmed.body.items.map((o: Order) => o.id)).to.deep.equal([ok.id]);
      expect(confirmed.body.nextCursor).to.equal(null);
      for (const bad of ['status=SHIPPED', 'limit=0', 'limit=101', 'limit=abc', 'cursor=bogus', 'unknown=1', 'limit=1&limit=2']) {
        const res = await api.request('order', 'GET', `/orders?${bad}`);
        expect(res.status, bad).to.equal(400);
        expect(res.body.error.code, bad).to.be.oneOf(['VALIDATION_FAILED', 'INVALID_CURSOR']);
      }
    });
  });

  describe('saga invariants across the three databases', function () {
    it('hold after everything above: stock and money conserved, every order terminal and consistent', async function () {
      expect(await settledViolations(system)).to.deep.equal([]);
      const [row] = await system.db('order')('orders').count({ n: '*' });
      expect(Number(row!.n)).to.be.greaterThan(50);
    });
  });
});
