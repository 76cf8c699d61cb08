import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { z } from 'zod';
import { notFound } from '@orders/platform';
import { createHttpApp } from '../src/http/app.js';
import { openApiDocument } from '../src/http/openapi.js';
import { jsonBody } from '../src/http/validate.js';
import { createMetrics } from '@orders/platform';
import { silentLogger } from '@orders/testing';
import { testVerifier } from './fixtures/tokens.js';

describe('HTTP app factory', function () {
  let server: Server;
  let base: string;
  let dbUp = true;

  before(async function () {
    const app = createHttpApp({
      logger: silentLogger,
      metrics: createMetrics('test'),
      bodyLimit: '10kb',
      maxInFlight: 100,
      allowedHosts: ['orders.example.test'],
      readiness: {
        database: async () => {
          if (!dbUp) throw new Error('connection refused');
        },
      },
      openapi: openApiDocument('test', '1.0.0', { '/things': {} }),
      tokens: testVerifier(),
      routes: (r) => {
        r.post('/things', (req, res) => {
          res.status(201).json(jsonBody(z.strictObject({ name: z.string().min(1), count: z.number().int().min(1) }), req.body));
        });
        r.get('/things/:id', (req) => {
          throw notFound('thing', req.params.id);
        });
        r.get('/boom', () => {
          throw new Error('secret internals at /srv/app.js:42');
        });
      },
    });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // fetch keeps its sockets alive
  }));

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': contentType }, body });

  async function expectError(response: Response, status: number, code: string) {
    expect(response.status).to.equal(status);
    const body = (await response.json()) as { error: { code: string; message: string; details?: unknown } };
    expect(body.error.code).to.equal(code);
    expect(body.error.message).to.be.a('string').and.not.empty;
    return body;
  }

  it('accepts a valid JSON body', async function () {
    const response = await post('{"name":"a","count":2}');
    expect(response.status).to.equal(201);
    expect(await response.json()).to.deep.equal({ name: 'a', count: 2 });
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async function () {
    await expectError(await post('{"name":'), 400, 'MALFORMED_JSON');
  });

  it('answers wrong types and unknown fields with 400 VALIDATION_FAILED and details', async function () {
    const body = (await expectError(await post('{"name":5,"count":1.5,"extra":true}'), 400, 'VALIDATION_FAILED')) as unknown as {
      error: { details: { path: string }[] };
    };
    const paths = body.error.details.map((d) => d.path);
    expect(paths).to.include.members(['name', 'count', '(root)']);
  });

  it('answers a missing body with 400', async function () {
    await expectError(await fetch(`${base}/things`, { method: 'POST' }), 400, 'VALIDATION_FAILED');
  });

  it('answers a non-JSON content type with 415', async function () {
    await expectError(await post('name=a', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(await post('{"name":"a","count":1}', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an oversize body with 413', async function () {
    await expectError(await post(JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024), count: 1 })), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers unknown routes and unknown ids with 404 and a code', async function () {
    await expectError(await fetch(`${base}/nope`), 404, 'NOT_FOUND');
    await expectError(await fetch(`${base}/things/${encodeURIComponent("1' OR '1'='1")}`), 404, 'NOT_FOUND');
  });

  it('answers a broken percent-encoding with 400', async function () {
    await expectError(await fetch(`${base}/things/%E0%A4%A`), 400, 'BAD_REQUEST');
  });

  it('hides internals of an unexpected error behind 500 INTERNAL_ERROR', async function () {
    const body = await expectError(await fetch(`${base}/boom`), 500, 'INTERNAL_ERROR');
    expect(JSON.stringify(body)).to.not.include('/srv/app.js');
  });

  it('serves /healthz, /readyz, /metrics, /openapi.json and Swagger UI at /docs', async function () {
    expect((await fetch(`${base}/healthz`)).status).to.equal(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready', checks: { database: 'ok' } });
    dbUp = false;
    const notReady = await expectError(await fetch(`${base}/readyz`), 503, 'NOT_READY');
    expect(notReady.error.details).to.deep.equal({ database: 'failing' });
    expect(JSON.stringify(notReady)).to.not.include('connection refused');
    dbUp = true;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).to.match(/http_request_duration_seconds_count\{[^}]*route="\/things"[^}]*\} \d+/);
    expect(metrics).to.include('process_cpu_user_seconds_total');
    expect(metrics).to.match(/nodejs_eventloop_lag_p99_seconds\{[^}]*\} \d/);
    const docs = await fetch(`${base}/docs`);
    expect(docs.headers.get('content-type')).to.match(/^text\/html/);
    const html = await docs.text();
    for (const asset of ['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/init.js']) {
      expect(html).to.include(asset);
      expect((await fetch(`${base}${asset}`)).status, asset).to.equal(200);
    }
    expect(await (await fetch(`${base}/docs/init.js`)).text()).to.include("url: '/openapi.json'");
    for (const other of ['/docs/assets/index.html', '/docs/assets/swagger-initializer.js', '/docs/assets/package.json']) {
      expect((await fetch(`${base}${other}`)).status, `${other}: only the files the page uses are served`).to.equal(404);
    }
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(openapi.openapi).to.equal('3.0.3');
    expect(openapi.paths).to.have.property('/things');
  });
  it('sends the security headers on every answer: CSP without inline script, no framing, nosniff, no referrer', async function () {
    for (const path of ['/docs', '/docs/assets/swagger-ui-bundle.js', '/openapi.json', '/things/1', '/nowhere', '/healthz']) {
      const res = await fetch(`${base}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).to.include("frame-ancestors 'none'");
      expect(csp, path).to.match(/script-src 'self'(;|$)/);
      expect(csp, path).to.include("default-src 'self'");
      expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
      expect(res.headers.get('x-frame-options'), path).to.equal('DENY');
      expect(res.headers.get('referrer-policy'), path).to.equal('no-referrer');
      expect(res.headers.get('strict-transport-security'), `${path}: plain HTTP sends no HSTS`).to.equal(null);
    }
  });

  it('refuses a Host it was not told of with 421 (DNS rebinding); IP addresses, localhost and the names it was given pass; probes pass under any Host', async function () {
    const withHost = (host: string, path = '/openapi.json') =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(`${base}${path}`);
        request({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        })
          .on('error', reject)
          .end();
      });
    for (const host of ['evil.example.com', 'evil.example.com:3001', 'localhost.evil.example.com', 'orders.example.test.evil.com']) {
      expect(await withHost(host), host).to.equal(421);
    }
    for (const host of ['127.0.0.1:3001', '10.1.2.3', '[::1]:3001', 'localhost:3001', 'LOCALHOST', 'app.localhost', 'orders.example.test:30001', 'orders.example.test.']) {
      expect(await withHost(host), host).to.equal(200);
    }
    for (const path of ['/healthz', '/readyz', '/metrics']) expect(await withHost('10.244.0.7:3001', path), path).to.equal(200);
    expect(await withHost('evil.example.com', '/healthz')).to.equal(200);
    const body = await new Promise<string>((resolve) => {
      const url = new URL(`${base}/things/1`);
      request({ host: url.hostname, port: url.port, path: '/things/1', headers: { host: 'evil.example.com' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c)).on('end', () => resolve(text));
      }).end();
    });
    expect(JSON.parse(body).error.code).to.equal('UNEXPECTED_HOST');
  });
});

describe('graceful shutdown on SIGTERM', function () {
  async function startFixture(drainMs: number) {
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'http-process.js')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SHUTDOWN_DRAIN_MS: String(drainMs) },
    });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening:(\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, port, exited, output: () => out };
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const statusOf = (url: string) => fetch(url).then((r) => r.status, () => 'refused' as const);

  it('turns readiness 503 at once, keeps serving through the drain, then closes, finishes the request in flight, runs the stop steps in order, exits 0', async function () {
    const fixture = await startFixture(600);
    const url = (p: string) => `http://127.0.0.1:${fixture.port}${p}`;
    expect(await statusOf(url('/readyz'))).to.equal(200);
    const inFlight = fetch(url('/slow'));
    await sleep(100);
    const signalled = Date.now();
    fixture.child.kill('SIGTERM');
    await sleep(150);
    // Draining: not ready, but requests (new connections included) are still answered.
    expect(await statusOf(url('/readyz'))).to.equal(503);
    expect(await statusOf(url('/healthz'))).to.equal(200);
    await sleep(650);
    // Past the drain: the listener is closed.
    expect(await statusOf(url('/healthz'))).to.equal('refused');
    const response = await inFlight;
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ done: true });
    expect(await fixture.exited).to.equal(0);
    expect(Date.now() - signalled).to.be.at.least(600);
    const out = fixture.output();
    expect(out.indexOf('stopped:consumers')).to.be.greaterThan(-1);
    expect(out.indexOf('stopped:relay')).to.be.greaterThan(out.indexOf('stopped:consumers'));
  });

  it('with no drain closes the listener at once', async function () {
    const fixture = await startFixture(0);
    fixture.child.kill('SIGTERM');
    await sleep(100);
    expect(await statusOf(`http://127.0.0.1:${fixture.port}/healthz`)).to.equal('refused');
    expect(await fixture.exited).to.equal(0);
  });
});
