import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loginWithPassword } from '@orders/identity-service/login';
import { adminDb } from '@orders/testing';
import { accessTable, operations, type Operation } from '../support/access.js';
import { Api } from '../support/api.js';
import { LocalIdentity, OPERATOR } from '../support/identity.js';
import { freePort, LocalSystem } from '../support/system.js';

/**
 * Every operation of the four APIs, called by each kind of caller with real tokens of the
 * real issuer: nobody, a token that is no token, the customer it belongs to, another
 * customer, the operator. What each may do is what its OpenAPI document declares
 * (`x-access`), which is also the table in docs/security.md.
 */
describe('who may do what: every operation as each kind of caller (real issuer and services)', function () {
  this.timeout(120000);
  let system: LocalSystem;
  let api: Api;
  const alice = Api.unique('alice');
  const bob = Api.unique('bob');
  const sku = Api.unique('ACCESS').toUpperCase();
  let orderId: string;

  before(async function () {
    system = await LocalSystem.start();
    api = new Api(system);
    await api.product(sku, 100, 1000);
    await api.account(alice, 100_000);
    await api.account(bob, 100_000);
    orderId = (await api.orderToEnd(alice, [{ sku, quantity: 1 }])).id;
  });
  after(async function () {
    await system?.stop();
  });

  /** A request each operation accepts from whoever may make it: its path filled in with alice's things, a valid body. */
  const SAMPLES: Record<string, { path: string; body?: unknown }> = {
    'order POST /orders': { path: '/orders', body: { customerId: '{alice}', items: [{ sku: '{sku}', quantity: 1 }] } },
    'order GET /orders': { path: '/orders?customerId={alice}' },
    'order GET /orders/{id}': { path: '/orders/{order}' },
    'order GET /orders/{id}/timeline': { path: '/orders/{order}/timeline' },
    'order POST /orders/{id}/cancel': { path: '/orders/{order}/cancel' },
    'payment GET /accounts/{customerId}': { path: '/accounts/{alice}' },
    'payment PUT /accounts/{customerId}': { path: '/accounts/{alice}', body: { balanceCents: 100_000 } },
    'payment POST /accounts/{customerId}/deposits': { path: '/accounts/{alice}/deposits', body: { amountCents: 1 } },
    'payment GET /payments/{orderId}': { path: '/payments/{order}' },
    'inventory GET /products': { path: '/products' },
    'inventory GET /products/{sku}': { path: '/products/{sku}' },
    'inventory PUT /products/{sku}': { path: '/products/{sku}', body: { name: 'renamed', priceCents: 100, available: 10 } },
    'inventory POST /products/{sku}/restock': { path: '/products/{sku}/restock', body: { quantity: 1 } },
    'identity PUT /users/{id}': { path: '/users/{alice}', body: { password: '{password}' } },
    // No dead letters here: the operator's list is empty and a replay of an unknown one is 404.
    ...Object.fromEntries(
      ['order', 'payment', 'inventory'].flatMap((service) => [
        [`${service} GET /dead-letters`, { path: '/dead-letters' }],
        [`${service} POST /dead-letters/{id}/replay`, { path: '/dead-letters/1/replay' }],
      ]),
    ),
  };

  const fill = (text: string) =>
    text.replaceAll('{alice}', alice).replaceAll('{sku}', sku).replaceAll('{order}', orderId).replaceAll('{password}', system.identity.customerPassword);

  async function call(op: Operation, authorization: string | undefined): Promise<{ status: number; code?: string; wwwAuthenticate: string | null }> {
    const sample = SAMPLES[`${op.service} ${op.method} ${op.path}`]!;
    const base = op.service === 'identity' ? system.identity.issuer : system.url(op.service);
    const res = await fetch(`${base}${fill(sample.path)}`, {
      method: op.method,
      headers: { ...(authorization ? { authorization } : {}), ...(sample.body ? { 'content-type': 'application/json' } : {}) },
      ...(sample.body ? { body: fill(JSON.stringify(sample.body)) } : {}),
    });
    const body = (await res.json().catch(() => ({}))) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code, wwwAuthenticate: res.headers.get('www-authenticate') };
  }
  const bearer = async (user: string) => `Bearer ${await system.identity.token(user)}`;
  const allowed = (status: number) => status < 500 && status !== 401 && status !== 403;

  it('every operation has a sample request here, and the table in docs/security.md is generated from the same declarations', function () {
    const missing = operations().filter((op) => !SAMPLES[`${op.service} ${op.method} ${op.path}`]);
    expect(missing, 'operations without a sample').to.deep.equal([]);
    expect(accessTable()).to.include('| order | `POST /orders` | 401 | for itself only');
  });

  for (const op of operations()) {
    it(`${op.service} ${op.method} ${op.path}: ${op.access}`, async function () {
      const anonymous = await call(op, undefined);
      const forged = await call(op, 'Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJhbGljZSIsInJvbGVzIjpbIm9wZXJhdG9yIl19.');
      const owner = await call(op, await bearer(alice));
      const other = await call(op, await bearer(bob));
      const operator = await call(op, await bearer(OPERATOR));
      const seen = { anonymous: anonymous.status, owner: owner.status, other: other.status, operator: operator.status };
      // A token that is not one of the issuer's is refused wherever it is sent.
      expect([forged.status, forged.code], 'an unsigned token').to.deep.equal([401, 'UNAUTHENTICATED']);
      expect(forged.wwwAuthenticate).to.match(/^Bearer/);
      if (op.access === 'public') {
        expect(Object.values(seen).every(allowed), JSON.stringify(seen)).to.equal(true);
        return;
      }
      expect([anonymous.status, anonymous.code], 'anonymous').to.deep.equal([401, 'UNAUTHENTICATED']);
      expect(anonymous.wwwAuthenticate, 'a 401 says how to authenticate').to.match(/^Bearer/);
      expect([other.status, other.code], 'another customer').to.deep.equal([403, 'FORBIDDEN']);
      if (op.access === 'operator') expect([owner.status, owner.code], 'a customer').to.deep.equal([403, 'FORBIDDEN']);
      else expect(allowed(owner.status), `the customer it belongs to: ${JSON.stringify(seen)}`).to.equal(true);
      if (op.access === 'customer') expect([operator.status, operator.code], 'the operator').to.deep.equal([403, 'FORBIDDEN']);
      else expect(allowed(operator.status), `the operator: ${JSON.stringify(seen)}`).to.equal(true);
    });
  }

  it("a customer's list holds only its own orders; naming another customer is 403", async function () {
    await api.orderToEnd(bob, [{ sku, quantity: 1 }]);
    const own = await api.as(alice).request('order', 'GET', '/orders');
    expect(own.status).to.equal(200);
    expect(own.body.items.length).to.be.greaterThan(0);
    expect(own.body.items.every((o: { customerId: string }) => o.customerId === alice)).to.equal(true);
    expect((await api.as(alice).request('order', 'GET', `/orders?customerId=${bob}`)).status).to.equal(403);
    const all = await api.request('order', 'GET', '/orders?limit=100');
    expect(new Set(all.body.items.map((o: { customerId: string }) => o.customerId))).to.include.members([alice, bob]);
  });

  it('an order whose body names another customer is refused, and nothing is charged', async function () {
    const before = await api.balance(bob);
    const res = await api.as(alice).request('order', 'POST', '/orders', { customerId: bob, items: [{ sku, quantity: 1 }] });
    expect([res.status, res.body.error.code]).to.deep.equal([403, 'FORBIDDEN']);
    expect(await api.balance(bob)).to.equal(before);
  });

  it("a real token of another issuer is refused: another key, another iss", async function () {
    const database = `${system.id}_foreign`;
    const admin = adminDb();
    await admin.raw(`create database ${database}`);
    const log = () => createWriteStream(path.join(system.logDir, 'foreign-identity.log'), { flags: 'a' });
    const foreign = new LocalIdentity(database, await freePort(), log);
    try {
      await foreign.migrate();
      await foreign.start();
      const token = await foreign.token(OPERATOR);
      const res = await api.request('payment', 'GET', `/accounts/${alice}`, undefined, { authorization: `Bearer ${token}` });
      expect([res.status, res.body.error.code]).to.deep.equal([401, 'UNAUTHENTICATED']);
      // The same token's header names the foreign issuer's key; with this issuer's iss it is still refused.
      expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).iss).to.equal(foreign.issuer);
    } finally {
      await foreign.stop();
      await admin.raw(`drop database if exists ${database} with (force)`);
      await admin.destroy();
    }
  });

  it('an expired token is refused (401, "expired"), a fresh one of the same user accepted', async function () {
    // A second process of the same issuer (same key, same iss) whose tokens live 5 s.
    const shortLived = system.identity.sibling(await freePort(), { AUTH_ISSUER: system.identity.issuer, IDENTITY_ACCESS_TOKEN_TTL_S: '5' });
    await shortLived.start();
    try {
      const { token, expiresAt } = await loginWithPassword(shortLived.issuer, alice, system.identity.customerPassword);
      const read = (t: string) => api.request('payment', 'GET', `/accounts/${alice}`, undefined, { authorization: `Bearer ${t}` });
      expect((await read(token)).status, 'while it lives').to.equal(200);
      // Past its expiry and the 5 s the services allow for clocks that differ.
      await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 6_500));
      const late = await read(token);
      expect([late.status, late.body.error.code]).to.deep.equal([401, 'UNAUTHENTICATED']);
      expect(late.body.error.message).to.include('expired');
      expect((await read(await system.identity.token(alice))).status).to.equal(200);
    } finally {
      await shortLived.stop();
    }
  });

  it('a wrong password gets no token, and the issuer says no more than that', async function () {
    const error = await loginWithPassword(system.identity.issuer, alice, 'wrong-password-123').catch((e: Error) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal(`wrong user or password for ${JSON.stringify(alice)}`);
    const unknown = await loginWithPassword(system.identity.issuer, `nobody-${randomUUID().slice(0, 6)}`, 'wrong-password-123').catch((e: Error) => e);
    expect((unknown as Error).message).to.match(/^wrong user or password/);
  });

  it('no log line of the issuer or the services holds a password or a token', async function () {
    const { readFileSync, readdirSync } = await import('node:fs');
    const secrets = [system.identity.customerPassword, system.identity.operatorPassword, await system.identity.token(alice)];
    for (const file of readdirSync(system.logDir)) {
      const text = readFileSync(path.join(system.logDir, file), 'utf8');
      for (const secret of secrets) expect(text.includes(secret), `${file} holds a secret`).to.equal(false);
    }
  });
});
