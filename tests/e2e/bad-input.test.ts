import { expect } from 'chai';
import { Api, TERMINAL, type ApiResponse } from '../support/api.js';
import { LocalSystem, SERVICES, type ServiceName } from '../support/system.js';

interface Case {
  name: string;
  service: ServiceName;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

const json = (value: unknown) => JSON.stringify(value);
const line = (sku: string, quantity: unknown = 1) => ({ sku, quantity });
const order = (items: unknown, customerId: unknown = 'alice') => json({ customerId, items });

const ORDER_CASES: Omit<Case, 'service'>[] = [
  { name: 'malformed JSON', method: 'POST', path: '/orders', body: '{"customerId": "alice", "items": [', status: 400, code: 'MALFORMED_JSON' },
  { name: 'JSON that is not an object', method: 'POST', path: '/orders', body: '[1,2,3]', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a bare JSON string', method: 'POST', path: '/orders', body: '"hello"', status: 400, code: 'MALFORMED_JSON' },
  { name: 'null body', method: 'POST', path: '/orders', body: 'null', status: 400, code: 'MALFORMED_JSON' },
  { name: 'empty body', method: 'POST', path: '/orders', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'customerId of the wrong type', method: 'POST', path: '/orders', body: order([line('A')], 42), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'items not an array', method: 'POST', path: '/orders', body: order({ sku: 'A', quantity: 1 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'quantity as a string', method: 'POST', path: '/orders', body: order([line('A', '1')]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'float quantity', method: 'POST', path: '/orders', body: order([line('A', 1.5)]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'negative quantity', method: 'POST', path: '/orders', body: order([line('A', -1)]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'zero quantity', method: 'POST', path: '/orders', body: order([line('A', 0)]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'huge quantity', method: 'POST', path: '/orders', body: order([line('A', 1e300)]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'no lines', method: 'POST', path: '/orders', body: order([]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'duplicate SKUs', method: 'POST', path: '/orders', body: order([line('A'), line('A', 2)]), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'more than 50 lines',
    method: 'POST',
    path: '/orders',
    body: order(Array.from({ length: 51 }, (_, i) => line(`SKU-${i}`))),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'unknown top-level field', method: 'POST', path: '/orders', body: json({ customerId: 'a', items: [line('A')], coupon: 'FREE' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'unknown line field', method: 'POST', path: '/orders', body: order([{ sku: 'A', quantity: 1, price: 0 }]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'injection-looking SKU', method: 'POST', path: '/orders', body: order([line("A'; DROP TABLE products;--")]), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'injection-looking customer', method: 'POST', path: '/orders', body: order([line('A')], "x' OR '1'='1"), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'prototype pollution attempt', method: 'POST', path: '/orders', body: '{"__proto__":{"admin":true},"customerId":"a","items":[{"sku":"A","quantity":1}]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a 3 MB body', method: 'POST', path: '/orders', body: order([line('A')], 'x'.repeat(3 * 1024 * 1024)), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'form-encoded body', method: 'POST', path: '/orders', body: 'customerId=alice', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'text/plain JSON', method: 'POST', path: '/orders', body: order([line('A')]), contentType: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'non-UUID order id', method: 'GET', path: '/orders/12345', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'injection-looking order id', method: 'GET', path: `/orders/${encodeURIComponent("1' OR '1'='1")}`, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'path traversal id', method: 'GET', path: '/orders/..%2F..%2Fetc%2Fpasswd', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'broken percent-encoding', method: 'GET', path: '/orders/%E0%A4%A', status: 400, code: 'BAD_REQUEST' },
  { name: 'cancel with a non-UUID id', method: 'POST', path: '/orders/nope/cancel', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'unknown route', method: 'DELETE', path: '/orders', status: 404, code: 'NOT_FOUND' },
  { name: 'empty Idempotency-Key', method: 'POST', path: '/orders', body: order([line('A')]), headers: { 'idempotency-key': '' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'blank Idempotency-Key', method: 'POST', path: '/orders', body: order([line('A')]), headers: { 'idempotency-key': '   ' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'Idempotency-Key with spaces inside', method: 'POST', path: '/orders', body: order([line('A')]), headers: { 'idempotency-key': 'a b' }, status: 400, code: 'VALIDATION_FAILED' },
];

const INVENTORY_CASES: Omit<Case, 'service'>[] = [
  { name: 'product with negative price', method: 'PUT', path: '/products/A', body: json({ name: 'a', priceCents: -1, available: 1 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'product with float price', method: 'PUT', path: '/products/A', body: json({ name: 'a', priceCents: 9.99, available: 1 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'product with string stock', method: 'PUT', path: '/products/A', body: json({ name: 'a', priceCents: 1, available: '5' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'product missing name', method: 'PUT', path: '/products/A', body: json({ priceCents: 1, available: 1 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'product with unknown field', method: 'PUT', path: '/products/A', body: json({ name: 'a', priceCents: 1, available: 1, reserved: 5 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'bad SKU in path', method: 'PUT', path: `/products/${encodeURIComponent('a b<script>')}`, body: json({ name: 'a', priceCents: 1, available: 1 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'restock of zero', method: 'POST', path: '/products/A/restock', body: json({ quantity: 0 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'restock with malformed JSON', method: 'POST', path: '/products/A/restock', body: '{quantity: 1}', status: 400, code: 'MALFORMED_JSON' },
  { name: 'product name with U+0000', method: 'PUT', path: '/products/A', body: json({ name: 'bad\u0000name', priceCents: 1, available: 1 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'product name with a control character', method: 'PUT', path: '/products/A', body: json({ name: 'bell\u0007', priceCents: 1, available: 1 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'price above the limit', method: 'PUT', path: '/products/A', body: json({ name: 'a', priceCents: 100_000_001, available: 1 }), status: 400, code: 'VALIDATION_FAILED' },
];

const PAYMENT_CASES: Omit<Case, 'service'>[] = [
  { name: 'negative balance', method: 'PUT', path: '/accounts/bob', body: json({ balanceCents: -5 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'float balance', method: 'PUT', path: '/accounts/bob', body: json({ balanceCents: 1.25 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'deposit of zero', method: 'POST', path: '/accounts/bob/deposits', body: json({ amountCents: 0 }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'deposit as a string', method: 'POST', path: '/accounts/bob/deposits', body: json({ amountCents: '100' }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'injection-looking customer id', method: 'GET', path: `/accounts/${encodeURIComponent("bob'; --")}`, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'non-UUID payment id', method: 'GET', path: '/payments/42', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'non-JSON deposit', method: 'POST', path: '/accounts/bob/deposits', body: '<xml/>', contentType: 'application/xml', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
];

const CORPUS: Case[] = [
  ...ORDER_CASES.map((c) => ({ ...c, service: 'order' as const })),
  ...INVENTORY_CASES.map((c) => ({ ...c, service: 'inventory' as const })),
  ...PAYMENT_CASES.map((c) => ({ ...c, service: 'payment' as const })),
];

describe('bad input: clear 4xx errors, never a 5xx, nothing lost', function () {
  this.timeout(60000);
  let system: LocalSystem;
  let api: Api;

  before(async function () {
    // A short queue for the group commit of POST /orders, so a burst meets it.
    system = await LocalSystem.start({ env: { ORDER_PLACEMENT_QUEUE_MAX: '3' } });
    api = new Api(system);
  });

  after(async function () {
    await system?.stop();
  });

  for (const c of CORPUS) {
    it(`${c.service}: ${c.name} → ${c.status} ${c.code}`, async function () {
      const headers: Record<string, string> = { ...c.headers };
      if (c.body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
      // Orders are placed by a signed-in customer (alice, the body's); the rest as the operator.
      const caller = c.method === 'POST' && c.path === '/orders' ? api.as('alice') : api;
      const res: ApiResponse = await caller.request(c.service, c.method, c.path, c.body, headers);
      expect(res.status).to.equal(c.status);
      expect(res.body).to.have.property('error');
      expect(res.body.error.code).to.equal(c.code);
      expect(res.body.error.message).to.be.a('string').and.not.empty;
      expect(JSON.stringify(res.body)).to.not.match(/at .+\.js:\d+|node_modules|stack/i);
    });
  }

  it('leaves every service up and its data untouched', async function () {
    for (const service of SERVICES) {
      expect((await api.request(service, 'GET', '/readyz')).status, service).to.equal(200);
      expect(system.processes.get(service)!.exitCode, service).to.equal(null);
    }
    const [orders] = await system.db('order')('orders').count({ n: '*' });
    expect(Number(orders!.n)).to.equal(0);
    const [outbox] = await system.db('order')('outbox').count({ n: '*' });
    expect(Number(outbox!.n)).to.equal(0);
    expect((await api.request('inventory', 'GET', '/products')).body.items).to.deep.equal([]);
    // A good request still works after all of the above.
    await api.account('alice', 1000);
    await api.product('A', 100, 1);
    const order = await api.orderToEnd('alice', [{ sku: 'A', quantity: 1 }]);
    expect(order.status).to.equal('CONFIRMED');
  });

  it('answers 409 LIMIT_EXCEEDED for a restock or a deposit past the limits, and changes nothing', async function () {
    await api.product('BIG', 100, 1_000_000_000);
    // Near the stock limit already (as if restocked a thousand times).
    await system.db('inventory')('products').where({ sku: 'BIG' }).update({ available: 999_999_999_999, stock_in: 999_999_999_999 });
    const restock = await api.request('inventory', 'POST', '/products/BIG/restock', { quantity: 2 });
    expect(restock.status).to.equal(409);
    expect(restock.body.error.code).to.equal('LIMIT_EXCEEDED');
    // In the domain's words; no table or constraint named.
    expect(restock.body.error.message).to.equal("a product's stock would pass 1,000,000,000,000 units, or its price 100,000,000 cents");
    expect(await api.getProduct('BIG')).to.include({ available: 999_999_999_999 });
    expect((await api.request('inventory', 'POST', '/products/BIG/restock', { quantity: 1 })).status).to.equal(200);

    await api.account('rich', 999_999_999_999_999);
    const deposit = await api.request('payment', 'POST', '/accounts/rich/deposits', { amountCents: 2 });
    expect(deposit.status).to.equal(409);
    expect(deposit.body.error.code).to.equal('LIMIT_EXCEEDED');
    expect(deposit.body.error.message).to.equal('the balance would pass 1,000,000,000,000,000 cents');
    expect(await api.balance('rich')).to.equal(999_999_999_999_999);
    for (const service of SERVICES) expect((await api.request(service, 'GET', '/readyz')).status, service).to.equal(200);
  });

  it('keeps an error answer small: a body of a thousand unknown fields gets the first problems, each cut short, and a count', async function () {
    const body = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`field_${i}_${'x'.repeat(500)}`, i]));
    const sent = JSON.stringify(body);
    expect(sent.length).to.be.greaterThan(500_000);
    const res = await api.request('payment', 'PUT', '/accounts/tiny', sent, { 'content-type': 'application/json' });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    const answer = JSON.stringify(res.body);
    expect(answer.length, 'answer size').to.be.below(4000);
    expect(res.body.error.details.length).to.be.at.most(11);
  });

  it('answers a burst past the order queue with 503 SERVICE_BUSY and Retry-After, counts it, and every accepted order ends', async function () {
    await api.account('burst', 1_000_000);
    await api.product('BURST', 1, 1_000_000);
    const answers = await Promise.all(Array.from({ length: 300 }, () => api.placeOrder('burst', [{ sku: 'BURST', quantity: 1 }])));
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 503);
    expect(accepted.length + refused.length, 'only 202 or 503').to.equal(300);
    expect(refused.length, 'some refused').to.be.greaterThan(0);
    for (const r of refused) {
      expect((r.body as unknown as { error: { code: string } }).error.code).to.equal('SERVICE_BUSY');
      expect(r.headers.get('retry-after')).to.equal('1');
    }
    const metrics = (await api.request('order', 'GET', '/metrics')).body as string;
    expect(Number(/http_requests_refused_total\{[^}]*route="\/orders"[^}]*\} (\d+)/.exec(metrics)?.[1]), 'refusals counted').to.equal(refused.length);
    for (const a of accepted) expect(TERMINAL).to.include((await api.waitForStatus(a.body.id, TERMINAL, 30000)).status);
    const [orders] = await system.db('order')('orders').where({ customer_id: 'burst' }).count({ n: '*' });
    expect(Number(orders!.n), 'exactly the accepted orders exist').to.equal(accepted.length);
  });
});
