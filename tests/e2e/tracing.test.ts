import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { waitFor } from '@orders/testing';
import { Api } from '../support/api.js';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { LocalSystem, SERVICES } from '../support/system.js';

const SERVER = 2;

/** The spans from `span` up to the root, root first. */
function pathToRoot(span: ReceivedSpan, spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const path = [span];
  for (let at = span; at.parentSpanId !== undefined; ) {
    const parent = byId.get(at.parentSpanId);
    if (!parent) break;
    path.unshift(parent);
    at = parent;
  }
  return path;
}

/** One order's trace as an indented list: service, span name. */
function render(spans: readonly ReceivedSpan[]): string {
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const s of [...spans].sort((a, b) => (a.startNs < b.startNs ? -1 : 1))) {
    const key = spans.some((p) => p.spanId === s.parentSpanId) ? s.parentSpanId : undefined;
    children.set(key, [...(children.get(key) ?? []), s]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      lines.push(`${'  '.repeat(depth)}${s.service}: ${s.name}`);
      walk(s.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

describe('tracing: one order, one trace across the three services (OTLP export, real Kafka and PostgreSQL)', function () {
  this.timeout(60000);
  let system: LocalSystem;
  let receiver: OtlpReceiver;
  let api: Api;

  before(async function () {
    receiver = await OtlpReceiver.start();
    system = await LocalSystem.start({ env: { TRACING_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'debug' } });
    api = new Api(system);
  });

  after(async function () {
    await system?.stop();
    await receiver?.close();
  });

  /** A customer of its own with `balance`, and a product of its own. */
  async function fixture(balance: number, price: number, stock: number) {
    const customer = Api.unique('cust');
    const sku = Api.unique('SKU');
    await api.account(customer, balance);
    await api.product(sku, price, stock);
    return { customer, sku };
  }

  async function traceOf(orderId: string, last: { service: string; name: string }): Promise<ReceivedSpan[]> {
    return waitFor(
      `the trace of order ${orderId} up to ${last.service} ${last.name}`,
      async () => {
        const end = receiver.spans.find((s) => s.attributes['orders.order_id'] === orderId && s.service === last.service && s.name === last.name);
        return end && receiver.trace(end.traceId);
      },
      20000,
      100,
    );
  }

  it('POST /orders → order DB → relay → inventory → payment → order: every span connected to the request', async function () {
    const { customer, sku } = await fixture(10_000, 500, 5);
    const placed = await api.placeOrder(customer, [{ sku, quantity: 2 }]);
    expect(placed.status).to.equal(202);
    await api.waitForStatus(placed.body.id, 'CONFIRMED');

    const spans = await traceOf(placed.body.id, { service: 'order-service', name: 'process PaymentCompleted' });
    await waitFor('inventory to settle the reservation in the same trace', async () =>
      receiver.trace(spans[0]!.traceId).some((s) => s.service === 'inventory-service' && s.name === 'process PaymentCompleted'),
    );
    const trace = receiver.trace(spans[0]!.traceId);
    console.log(`      one order's trace (${trace.length} spans):\n${render(trace).replace(/^/gm, '        ')}`);

    // One root, the order service's HTTP server span of the POST; every other span's parent is in the trace.
    const roots = trace.filter((s) => !trace.some((p) => p.spanId === s.parentSpanId));
    expect(roots.map((r) => [r.service, r.kind, r.attributes['http.route'] ?? r.name])).to.deep.equal([['order-service', SERVER, '/orders']]);
    expect(new Set(trace.map((s) => s.service))).to.deep.equal(new Set(SERVICES.map((s) => `${s}-service`)));

    // The saga's hops, in causal order, each the ancestor of the next.
    const end = trace.find((s) => s.service === 'order-service' && s.name === 'process PaymentCompleted')!;
    const hops = pathToRoot(end, trace)
      .filter((s) => s.name.startsWith('publish ') || s.name.startsWith('process '))
      .map((s) => `${s.service}: ${s.name}`);
    expect(hops).to.deep.equal([
      'order-service: publish OrderCreated',
      'inventory-service: process OrderCreated',
      'inventory-service: publish InventoryReserved',
      'payment-service: process InventoryReserved',
      'payment-service: publish PaymentCompleted',
      'order-service: process PaymentCompleted',
    ]);

    // The database work is in the trace: the order's insert under the request, each consumer's statements under its event.
    const dbSpansOf = (service: string) => trace.filter((s) => s.service === service && s.attributes['db.system'] === 'postgresql');
    for (const service of SERVICES) expect(dbSpansOf(`${service}-service`), `${service} statements`).to.not.be.empty;
    const insert = dbSpansOf('order-service').find((s) => String(s.attributes['db.statement']).includes('insert into orders'));
    expect(insert, 'the order insert').to.not.equal(undefined);
    expect(pathToRoot(insert!, trace)[0]).to.equal(roots[0]);
    expect(receiver.rejected).to.deep.equal([]);
    // No span holds a password; the order's statements are recorded without their values (the customer id is one).
    expect(JSON.stringify(receiver.spans.map((s) => s.attributes))).to.not.include(system.env('order').DB_PASSWORD!);
    expect(JSON.stringify(trace.map((s) => s.attributes))).to.not.include(customer);
  });

  it('orders placed at the same moment, written by one group-commit statement, each keep a trace of their own', async function () {
    const { customer, sku } = await fixture(1_000_000, 100, 1000);
    const placed = await Promise.all(Array.from({ length: 24 }, () => api.placeOrder(customer, [{ sku, quantity: 1 }])));
    const ids = placed.map((p) => p.body.id as string);
    for (const id of ids) await api.waitForStatus(id, 'CONFIRMED');
    const traces = await waitFor('every order processed by the inventory service', async () => {
      const byOrder = new Map(
        receiver.spans.filter((s) => s.service === 'inventory-service' && s.name === 'process OrderCreated').map((s) => [s.attributes['orders.order_id'], s.traceId]),
      );
      return ids.every((id) => byOrder.has(id)) && ids.map((id) => byOrder.get(id)!);
    });
    expect(new Set(traces).size, 'distinct traces').to.equal(ids.length);
    const rootsOf = (traceId: string) => {
      const spans = receiver.trace(traceId);
      return spans.filter((s) => !spans.some((p) => p.spanId === s.parentSpanId)).map((r) => `${r.service} ${r.attributes['http.route']}`);
    };
    // Spans are exported within a second of their end, each service on its own.
    await waitFor('every trace complete', async () => traces.every((t) => rootsOf(t).join() === 'order-service /orders')).catch(() => undefined);
    for (const traceId of traces) expect(rootsOf(traceId), traceId).to.deep.equal(['order-service /orders']);
    // They did share statements: fewer inserts of orders than orders.
    const inserts = receiver.spans.filter((s) => traces.includes(s.traceId) && s.name.startsWith('pg insert orders'));
    console.log(`      ${ids.length} orders, ${new Set(inserts.map((s) => s.spanId)).size} insert statements`);
  });

  it('log lines written for the order carry its trace id', async function () {
    const { customer, sku } = await fixture(10_000, 500, 5);
    const placed = await api.placeOrder(customer, [{ sku, quantity: 1 }]);
    await api.waitForStatus(placed.body.id, 'CONFIRMED');
    const spans = await traceOf(placed.body.id, { service: 'order-service', name: 'process PaymentCompleted' });
    const traceId = spans[0]!.traceId;
    const linesOf = (service: string) =>
      readFileSync(path.join(system.logDir, `${service}.log`), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The request line of the POST, and the saga's own lines about this order in every service.
    expect(linesOf('order').find((l) => l.msg === 'request' && l.url === '/orders' && l.method === 'POST' && l.trace_id === traceId)).to.not.equal(undefined);
    for (const service of SERVICES) {
      const about = linesOf(service).filter((l) => l.orderId === placed.body.id && l.msg !== 'request');
      expect(about, `${service} lines about the order`).to.not.be.empty;
      expect(about.map((l) => l.trace_id), `${service}`).to.deep.equal(about.map(() => traceId));
    }
  });
});
