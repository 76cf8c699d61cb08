import { expect } from 'chai';
import { ALL_TOPICS, Cents, CustomerId, DisplayName, dlqTopic, EVENT_CONTRACTS, EVENT_TYPE_HEADER, EVENT_TYPES, producerOf, Quantity, Sku, TOPICS } from '../src/events.js';
import { SERVICE_CONTRACTS, SERVICE_COMMANDS, PROBE_PATHS } from '../src/services.js';
import { KAFKA_USERS, serviceKafkaAccess } from '../src/kafka-access.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;

describe('event contracts (pure)', function () {
  it('one topic per producing service, a .dlq beside each', function () {
    expect(TOPICS).to.deep.equal({ order: 'order-events', inventory: 'inventory-events', payment: 'payment-events' });
    expect(ALL_TOPICS).to.deep.equal(['order-events', 'inventory-events', 'payment-events']);
    expect(dlqTopic('order-events')).to.equal('order-events.dlq');
    expect(EVENT_TYPE_HEADER).to.equal('event-type');
  });

  it('says what a SKU and a customer id must look like', function () {
    expect(Sku.safeParse('-').error?.issues[0]?.message).to.equal('a SKU is 1-64 letters, digits, . _ -');
    expect(CustomerId.safeParse('-').error?.issues[0]?.message).to.equal('a customer id is 1-128 letters, digits, . _ @ -');
  });

  it('each event type goes on its producer topic, at version 1', function () {
    const topicOf = Object.fromEntries(EVENT_TYPES.map((t) => [t, EVENT_CONTRACTS[t].topic]));
    expect(topicOf).to.deep.equal({
      OrderCreated: 'order-events',
      OrderCancelled: 'order-events',
      InventoryReserved: 'inventory-events',
      InventoryRejected: 'inventory-events',
      InventoryReleased: 'inventory-events',
      PaymentCompleted: 'payment-events',
      PaymentFailed: 'payment-events',
      PaymentRefunded: 'payment-events',
    });
    for (const t of EVENT_TYPES) expect(EVENT_CONTRACTS[t].version, t).to.equal(1);
  });

  it('SKUs: 1-64 of letters, digits, . _ -, not starting with a sign', function () {
    expect(ok(Sku, 'KEYBOARD-01')).to.equal(true);
    expect(ok(Sku, 'a')).to.equal(true);
    expect(ok(Sku, 'a'.repeat(64))).to.equal(true);
    expect(ok(Sku, 'a'.repeat(65))).to.equal(false);
    expect(ok(Sku, '')).to.equal(false);
    expect(ok(Sku, '-x')).to.equal(false);
    expect(ok(Sku, 'a b')).to.equal(false);
  });

  it('customer ids: 1-128 of letters, digits, . _ @ -', function () {
    expect(ok(CustomerId, 'alice@example.com')).to.equal(true);
    expect(ok(CustomerId, 'c'.repeat(128))).to.equal(true);
    expect(ok(CustomerId, 'c'.repeat(129))).to.equal(false);
    expect(ok(CustomerId, '@alice')).to.equal(false);
    expect(ok(CustomerId, 'al ice')).to.equal(false);
  });

  it('money is whole non-negative cents up to the largest safe integer; quantities 1 to 1,000,000', function () {
    expect([0, 1, Number.MAX_SAFE_INTEGER].map((v) => ok(Cents, v))).to.deep.equal([true, true, true]);
    expect([-1, 0.5, Number.MAX_SAFE_INTEGER + 1].map((v) => ok(Cents, v))).to.deep.equal([false, false, false]);
    expect([1, 1_000_000].map((v) => ok(Quantity, v))).to.deep.equal([true, true]);
    expect([0, 1_000_001, 1.5].map((v) => ok(Quantity, v))).to.deep.equal([false, false, false]);
  });

  it('names people read: trimmed, 1-200 characters, no control character anywhere', function () {
    expect(DisplayName.parse('  Zoë’s shop 💡  ')).to.equal('Zoë’s shop 💡');
    expect(DisplayName.parse('x'.repeat(200))).to.have.length(200);
    for (const bad of ['', '   ', 'x'.repeat(201), '\u0000abc', 'ab\u0007cd', 'abc\u001f', 'a\u007fb']) expect(ok(DisplayName, bad), JSON.stringify(bad)).to.equal(false);
    expect(DisplayName.safeParse('a\u0000b').error?.issues[0]?.message).to.equal('a name has no control characters');
  });

  it('each event type is emitted by the service whose topic carries it', function () {
    expect(Object.fromEntries(EVENT_TYPES.map((t) => [t, producerOf(t)]))).to.deep.equal({
      OrderCreated: 'order',
      OrderCancelled: 'order',
      InventoryReserved: 'inventory',
      InventoryRejected: 'inventory',
      InventoryReleased: 'inventory',
      PaymentCompleted: 'payment',
      PaymentFailed: 'payment',
      PaymentRefunded: 'payment',
    });
  });

  it('payloads: required fields, 1-50 lines, known reasons, nothing extra', function () {
    const line = { sku: 'A', quantity: 1 };
    const created = EVENT_CONTRACTS.OrderCreated.payload;
    expect(ok(created, { customerId: 'a', items: [line] })).to.equal(true);
    expect(ok(created, { customerId: 'a', items: Array.from({ length: 50 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) })).to.equal(true);
    expect(ok(created, { customerId: 'a', items: Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) })).to.equal(false);
    expect(ok(created, { customerId: 'a', items: [] })).to.equal(false);
    expect(ok(created, { customerId: 'a', items: [line], extra: 1 })).to.equal(false);
    expect(ok(created, { items: [line] })).to.equal(false);
    expect(ok(EVENT_CONTRACTS.OrderCancelled.payload, { customerId: 'a', reason: 'TIMEOUT' })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.OrderCancelled.payload, { customerId: 'a', reason: 'BORED' })).to.equal(false);
    const priced = { sku: 'A', quantity: 2, unitPriceCents: 5 };
    expect(ok(EVENT_CONTRACTS.InventoryReserved.payload, { customerId: 'a', items: [priced], totalCents: 10 })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.InventoryReserved.payload, { customerId: 'a', items: [line], totalCents: 10 })).to.equal(false);
    expect(ok(EVENT_CONTRACTS.InventoryReserved.payload, { customerId: 'a', items: [], totalCents: 0 })).to.equal(false);
    expect(ok(EVENT_CONTRACTS.InventoryRejected.payload, { reason: 'OUT_OF_STOCK', skus: ['A'] })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.InventoryRejected.payload, { reason: 'UNKNOWN_PRODUCT', skus: [] })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.InventoryRejected.payload, { reason: 'SOLD_OUT', skus: [] })).to.equal(false);
    expect(ok(EVENT_CONTRACTS.InventoryReleased.payload, { items: [] })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.InventoryReleased.payload, { items: [priced] })).to.equal(false);
    expect(ok(EVENT_CONTRACTS.PaymentCompleted.payload, { customerId: 'a', amountCents: 0 })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.PaymentFailed.payload, { customerId: 'a', amountCents: 1, reason: 'INSUFFICIENT_FUNDS' })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.PaymentFailed.payload, { customerId: 'a', amountCents: 1, reason: 'UNKNOWN_CUSTOMER' })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.PaymentFailed.payload, { customerId: 'a', amountCents: 1 })).to.equal(false);
    expect(ok(EVENT_CONTRACTS.PaymentRefunded.payload, { customerId: 'a', refundedCents: 0 })).to.equal(true);
    expect(ok(EVENT_CONTRACTS.PaymentRefunded.payload, { customerId: 'a', refundedCents: -1 })).to.equal(false);
  });
});

describe('service contracts (pure)', function () {
  it('each service: its port, database, entry point, image recipe and probes', function () {
    expect(SERVICE_COMMANDS).to.deep.equal(['migrate', 'start', 'topics', 'dead-letters']);
    expect(PROBE_PATHS).to.deep.equal({ liveness: '/healthz', readiness: '/readyz', metrics: '/metrics' });
    expect(SERVICE_CONTRACTS.order).to.deep.equal({
      name: 'order',
      serviceName: 'order-service',
      httpPort: 3001,
      database: 'order_service',
      entrypoint: ['node', 'services/order/dist/src/main.js'],
      commands: SERVICE_COMMANDS,
      dockerfile: 'services/Dockerfile',
      seedsDemoData: false,
      consumes: ['inventory-events', 'payment-events'],
    });
    expect([SERVICE_CONTRACTS.payment.httpPort, SERVICE_CONTRACTS.inventory.httpPort]).to.deep.equal([3002, 3003]);
    expect([SERVICE_CONTRACTS.payment.seedsDemoData, SERVICE_CONTRACTS.inventory.seedsDemoData]).to.deep.equal([true, true]);
  });

  it("each service's Kafka access: its own topic and the dead letters of what it reads, to write; what it consumes, with its group, to read", function () {
    expect(serviceKafkaAccess(SERVICE_CONTRACTS.inventory)).to.deep.equal({
      user: 'inventory-service',
      writes: ['inventory-events', 'order-events.dlq', 'payment-events.dlq'],
      reads: ['order-events', 'payment-events'],
      group: 'inventory-service',
    });
    expect(KAFKA_USERS).to.deep.equal(['admin', 'kafka-ui', 'order-service', 'payment-service', 'inventory-service']);
    // Every topic is written by exactly one service; every consumed topic has its producer.
    const writers = Object.values(SERVICE_CONTRACTS).map((c) => serviceKafkaAccess(c).writes[0]);
    expect(new Set(writers).size).to.equal(3);
    for (const c of Object.values(SERVICE_CONTRACTS)) for (const t of c.consumes) expect(writers, c.name).to.include(t);
  });
});
