import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createMetrics } from '@orders/platform';
import { silentLogger } from '@orders/testing';
import { isCustomer, mayActFor } from '../src/access.js';
import { createHttpApp } from '../src/http/app.js';
import { asCustomer, asOperator, asOwnerOrOperator } from '../src/http/auth.js';
import { openApiDocument } from '../src/http/openapi.js';
import { countingVerifier, signTestToken, testVerifier } from './fixtures/tokens.js';

describe('access tokens: what the services accept, and who may act for whom', function () {
  let server: Server;
  let base: string;

  before(async function () {
    const app = createHttpApp({
      logger: silentLogger,
      metrics: createMetrics('auth-test'),
      bodyLimit: '10kb',
      maxInFlight: 100,
      allowedHosts: [],
      readiness: {},
      openapi: openApiDocument('auth test', '1', {}),
      tokens: testVerifier(),
      routes: (r) => {
        r.get('/public', (_req, res) => void res.json({ ok: true }));
        r.get('/operator', (req, res) => void res.json(asOperator(req)));
        r.get('/owned/:id', (req, res) => void res.json(asOwnerOrOperator(req, req.params.id)));
        r.post('/as/:id', (req, res) => void res.json(asCustomer(req, req.params.id)));
      },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const get = async (path: string, token?: string, method = 'GET') => {
    const res = await fetch(`${base}${path}`, { method, headers: token === undefined ? {} : { authorization: token } });
    return { status: res.status, body: (await res.json()) as any, www: res.headers.get('www-authenticate') };
  };
  const now = () => Math.floor(Date.now() / 1000);

  it('takes a token signed by the issuer: subject and role', async function () {
    const res = await get('/owned/alice', `Bearer ${await signTestToken()}`);
    expect([res.status, res.body]).to.deep.equal([200, { subject: 'alice', role: 'customer' }]);
  });

  const refused: [string, () => Promise<string>][] = [
    ['signed by another key', () => signTestToken({}, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey })],
    ['expired (past the 5 s allowed for clocks)', () => signTestToken({ iat: now() - 700, exp: now() - 10 })],
    ['for another audience', () => signTestToken({ aud: 'urn:other:api' })],
    ['of another issuer', () => signTestToken({ iss: 'http://evil.test' })],
    ['not an access token (typ)', () => signTestToken({}, { header: { typ: 'JWT' } })],
    ['without a known role', () => signTestToken({ roles: ['admin'] })],
    ['without roles at all', () => signTestToken({ roles: undefined })],
    ['without a subject', () => signTestToken({ sub: undefined })],
    ['with alg none', async () => `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', roles: ['operator'], iss: 'http://issuer.test', aud: 'urn:orders:api', exp: now() + 60 })).toString('base64url')}.`],
    ['garbage', async () => 'not-a-token'],
  ];
  for (const [name, make] of refused) {
    it(`refuses a token ${name}: 401 UNAUTHENTICATED with WWW-Authenticate, on any path`, async function () {
      const token = await make();
      for (const path of ['/public', '/owned/alice']) {
        const res = await get(path, `Bearer ${token}`);
        expect([res.status, res.body.error.code], path).to.deep.equal([401, 'UNAUTHENTICATED']);
        expect(res.www).to.match(/^Bearer/);
      }
    });
  }

  it('checks the signature of a token once, then remembers it until it expires; at most so many tokens', async function () {
    const { verifier, checks } = countingVerifier(2);
    const alice = await signTestToken();
    for (let i = 0; i < 5; i++) expect(await verifier.verify(alice)).to.deep.equal({ subject: 'alice', role: 'customer' });
    expect(checks(), 'one signature check for five requests').to.equal(1);
    // A remembered token is refused once it expires (jose allows 5 s past exp; so does the memory).
    const soon = await signTestToken({ exp: now() - 3 });
    await verifier.verify(soon);
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 3000;
      const late = await verifier.verify(soon).then(() => 'accepted', (e: Error) => e.message);
      expect(late).to.include('expired');
    } finally {
      Date.now = realNow;
    }
    // Bounded: with room for two, a third token makes the oldest be checked again.
    const { verifier: small, checks: smallChecks } = countingVerifier(2);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => signTestToken({ sub })));
    for (const token of [a, b, c, a]) await small.verify(token!);
    expect(smallChecks()).to.equal(4);
    // A refused token is not remembered: it is refused again, checked again.
    const { verifier: strict, checks: strictChecks } = countingVerifier();
    const forged = await signTestToken({}, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
    for (let i = 0; i < 2; i++) expect(await strict.verify(forged).then(() => 'accepted', () => 'refused')).to.equal('refused');
    expect(strictChecks()).to.equal(2);
  });

  it('says an expired token has expired', async function () {
    const res = await get('/owned/alice', `Bearer ${await signTestToken({ iat: now() - 700, exp: now() - 10 })}`);
    expect(res.body.error.message).to.include('expired');
  });

  it('refuses an Authorization header that is not a bearer token; a request without one is anonymous', async function () {
    expect((await get('/owned/alice', 'Basic YWxpY2U6cHc=')).status).to.equal(401);
    expect((await get('/public')).status).to.equal(200);
    expect((await get('/owned/alice')).body.error.code).to.equal('UNAUTHENTICATED');
  });

  it('an operator may act on any customer, not place orders for one; a customer only on its own', async function () {
    const operator = `Bearer ${await signTestToken({ sub: 'ops', roles: ['operator'] })}`;
    const alice = `Bearer ${await signTestToken()}`;
    expect((await get('/operator', operator)).status).to.equal(200);
    expect((await get('/operator', alice)).body.error.code).to.equal('FORBIDDEN');
    expect((await get('/owned/bob', operator)).status).to.equal(200);
    expect((await get('/owned/bob', alice)).status).to.equal(403);
    expect((await get('/as/alice', alice, 'POST')).status).to.equal(200);
    expect((await get('/as/bob', alice, 'POST')).status).to.equal(403);
    expect((await get('/as/ops', operator, 'POST')).status).to.equal(403);
  });

  it('the rules as pure functions', function () {
    expect(mayActFor({ subject: 'a', role: 'customer' }, 'a')).to.equal(true);
    expect(mayActFor({ subject: 'a', role: 'customer' }, 'b')).to.equal(false);
    expect(mayActFor({ subject: 'x', role: 'operator' }, 'b')).to.equal(true);
    expect(isCustomer({ subject: 'a', role: 'customer' }, 'a')).to.equal(true);
    expect(isCustomer({ subject: 'a', role: 'operator' }, 'a')).to.equal(false);
    expect(isCustomer({ subject: 'a', role: 'customer' }, 'b')).to.equal(false);
  });
});
