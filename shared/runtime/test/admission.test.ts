import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import { createMetrics } from '@orders/platform';
import { silentLogger } from '@orders/testing';
import { createHttpApp } from '../src/http/app.js';
import { openApiDocument } from '../src/http/openapi.js';
import { ADMISSION_ROUTE } from '../src/http/admission.js';
import { signTestToken, testVerifier } from './fixtures/tokens.js';

/** Writes a request's head by hand and reads the first answer on the socket (the body, if any, is never sent). */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (/\r\n\r\n[\s\S]*\}/.test(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, 3000);
  });
}

describe('admission: a bound on the API requests in flight', function () {
  const metrics = createMetrics('admission-test');
  let server: Server;
  let base: string;
  let port: number;
  let release: () => void = () => undefined;
  let held = new Promise<void>((resolve) => (release = resolve));

  before(async function () {
    const app = createHttpApp({
      logger: silentLogger,
      metrics,
      bodyLimit: '10kb',
      maxInFlight: 2,
      allowedHosts: [],
      readiness: {},
      openapi: openApiDocument('test', '1.0.0', {}),
      tokens: testVerifier(),
      routes: (r) => {
        r.get('/held', async (_req, res) => {
          await held;
          res.json({ done: true });
        });
        r.post('/things', (req, res) => {
          res.status(201).json(req.body);
        });
      },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(() => server.close());

  const refusedAtTheDoor = async () => {
    const text = await metrics.registry.getSingleMetricAsString('http_requests_refused_total');
    const line = text.split('\n').find((l) => l.includes(`route="${ADMISSION_ROUTE}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('past the bound answers 503 SERVICE_BUSY with Retry-After before reading the body or checking the token, counts it, keeps the probes answering, and admits again once one ends', async function () {
    const first = fetch(`${base}/held`);
    const second = fetch(`${base}/held`);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // A request whose 1,000-byte body never comes: answered at once, so nothing waited for it.
    const head = 'POST /things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nAuthorization: Bearer not-a-token\r\n\r\n';
    const started = Date.now();
    const answer = await rawRequest(port, head);
    expect(Date.now() - started).to.be.below(1000);
    expect(answer).to.match(/^HTTP\/1\.1 503 /);
    expect(answer).to.match(/\r\nretry-after: 1\r\n/i);
    expect(answer).to.include('"code":"SERVICE_BUSY"');
    expect(await refusedAtTheDoor()).to.equal(1);

    // The kubelet's probes and the scraper are never refused.
    expect((await fetch(`${base}/healthz`)).status).to.equal(200);
    expect((await fetch(`${base}/readyz`)).status).to.equal(200);
    expect((await fetch(`${base}/metrics`)).status).to.equal(200);

    release();
    expect((await first).status).to.equal(200);
    expect((await second).status).to.equal(200);
    const token = await signTestToken();
    const admitted = await fetch(`${base}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ n: 1 }),
    });
    expect(admitted.status).to.equal(201);
    expect(await refusedAtTheDoor()).to.equal(1);
  });

  it("declares the 503 on every API operation of a service's document, and keeps an operation's own", function () {
    const doc = openApiDocument('t', '1', {
      '/a': { get: { responses: { '200': { description: 'OK' } } } },
      '/b': { post: { responses: { '503': { description: 'its own' } } } },
    }) as { paths: Record<string, Record<string, { responses: Record<string, { description: string; headers?: object }> }>> };
    expect(doc.paths['/a']!.get!.responses['503']!.description).to.include('SERVICE_BUSY');
    expect(doc.paths['/a']!.get!.responses['503']!.headers).to.have.property('Retry-After');
    expect(doc.paths['/b']!.post!.responses['503']!.description).to.equal('its own');
    expect(doc.paths['/healthz']!.get!.responses).to.not.have.property('503');
  });

  it('frees a place when a client goes away before its answer', async function () {
    held = new Promise<void>((resolve) => (release = resolve));
    const aborts = [new AbortController(), new AbortController()];
    const gone = aborts.map((a) => fetch(`${base}/held`, { signal: a.signal }).catch(() => 'aborted'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${base}/held`)).status).to.equal(503);
    for (const a of aborts) a.abort();
    await Promise.all(gone);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = fetch(`${base}/held`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    expect((await next).status).to.equal(200);
  });
});
