/**
 * npm run fuzz -- [--requests N] [--seed S] [--concurrency C] [--json]
 *
 * Property-based HTTP fuzzing of the three running services (fast-check): every endpoint,
 * every field, with values from the plausible to the hostile (wrong types, huge and
 * negative numbers, control characters, broken encodings, unknown fields, other content
 * types, random paths and methods), sent against fresh databases on the local
 * infrastructure. The property: no answer is 5xx, and once every saga has ended, stock and
 * money still add up. Prints a summary (with the largest answer and each service's peak
 * memory) and, with --json, one JSON line last; exits non-zero when the property fails.
 */
import fc from 'fast-check';
import { Api } from '../support/api.js';
import { settledViolations } from '../support/invariants.js';
import { LocalSystem, SERVICES, type ServiceName } from '../support/system.js';
import { MemoryMeter } from '../support/memory.js';
import { printTable, readOptions } from './options.js';

export const FUZZ_DEFAULTS = { requests: 10000, seed: 42, concurrency: 8, json: false, quiet: false };
export type FuzzOptions = typeof FUZZ_DEFAULTS;

interface FuzzRequest {
  service: ServiceName;
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
  /** Picks an existing order id for a `{order}` placeholder in the path. */
  pick: number;
  /** Whose token it carries (see CALLERS). */
  caller: Caller;
}

/**
 * Who sends a request: the customer it is about (the body's, else alice), the operator,
 * another customer, nobody, or a header that is no valid token.
 */
type Caller = 'owner' | 'operator' | 'other' | 'anonymous' | { header: string };
const BAD_AUTHORIZATION = [
  'Bearer x',
  'Basic YWxpY2U6cHc=',
  `Bearer ${'a'.repeat(3000)}`,
  // alg "none", sub alice: must never be taken for alice
  'Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJhbGljZSIsInJvbGVzIjpbIm9wZXJhdG9yIl19.',
  'Bearer',
  'bearer  a.b.c',
];
const callers: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Caller>('owner') },
  { weight: 4, arbitrary: fc.constant<Caller>('operator') },
  { weight: 1, arbitrary: fc.constant<Caller>('other') },
  { weight: 1, arbitrary: fc.constant<Caller>('anonymous') },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_AUTHORIZATION).map((header): Caller => ({ header })) },
);

/** The customer a request is about, for an `owner` caller: the body's or the path's when it names one of ours. */
function ownerOf(spec: FuzzRequest): string {
  let named: unknown;
  try {
    named = (JSON.parse(spec.body ?? 'null') as { customerId?: unknown } | null)?.customerId;
  } catch {
    named = undefined;
  }
  const fromPath = /^\/accounts\/([^/]+)/.exec(spec.path)?.[1];
  const id = typeof named === 'string' ? named : fromPath === undefined ? undefined : decodeURIComponent(fromPath);
  return id !== undefined && CUSTOMERS.includes(id) ? id : 'alice';
}

export interface FuzzResult {
  requests: number;
  responses_5xx: number;
  invariant_violations: number;
  seed: number;
  by_status: Record<string, number>;
  duration_s: number;
  examples_5xx: { method: string; path: string; status: number; body: string }[];
  /** The largest answer, in bytes, with the request that got it (an answer must not grow with a bad body). */
  largest_response: { bytes: number; method: string; path: string; status: number };
  /** The most memory each service held during the run (PSS, MiB, sampled every second). */
  peak_mib: Record<ServiceName, number>;
  violations: string[];
}

const CUSTOMERS = ['alice', 'bob', 'carol-poor', 'no-such-customer'];
const SKUS = ['FZ-A', 'FZ-B', 'FZ-LAST', 'FZ-UNKNOWN'];

function requests(): fc.Arbitrary<FuzzRequest> {
  const hostileText = fc.constantFrom('', ' ', '\u0000', '\u0007bell', '../../etc/passwd', "' OR '1'='1", '%', '%E0%A4%A', '😀', 'A'.repeat(300), '<script>', 'null', '-1');
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), hostileText);
  const number = fc.oneof(
    fc.integer(),
    fc.integer({ min: 0, max: 2000 }),
    fc.double(),
    fc.constantFrom(0, -1, 1, 1.5, 1e6, 1e9, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e12, 1e15, 1e300, -1e300),
  );
  const anyValue = fc.oneof({ weight: 3, arbitrary: number }, { weight: 3, arbitrary: text }, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
  const field = <T>(likely: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: likely }, { weight: 1, arbitrary: anyValue });
  const bigNumber = fc.constantFrom(2 ** 31, 2 ** 31 + 1, 2 ** 53, 1e12, 1e15, 1e9);
  const amount = (max: number) => field(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max }) }, { weight: 1, arbitrary: bigNumber }));
  const name = field(fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }), hostileText));
  const customer = field(fc.oneof(fc.constantFrom(...CUSTOMERS), fc.string({ minLength: 1, maxLength: 8 })));
  const sku = field(fc.oneof(fc.constantFrom(...SKUS), fc.string({ minLength: 1, maxLength: 8 })));
  const quantity = field(fc.integer({ min: 1, max: 3 }));
  const extras = fc.dictionary(fc.string({ maxLength: 6 }), anyValue, { maxKeys: 1 });
  const object = <T extends Record<string, unknown>>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
    fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extras })).map(([a, b]) => ({ ...b, ...a }));
  const json = (structured: fc.Arbitrary<unknown>) =>
    fc.oneof(
      { weight: 6, arbitrary: structured.map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constantFrom('{', '{"a":', '[1,2', '"x"', 'null', '{"__proto__":{"x":1}}')) },
    );
  const segment = fc.oneof(
    { weight: 3, arbitrary: fc.constant('{order}') },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: text.map((t) => encodeURIComponent(t)) },
    { weight: 1, arbitrary: fc.constantFrom('%E0%A4%A', '..%2F..', '%00', '') },
  );
  // What a client can put in a header: any bytes but control characters (UTF-8 shown as Latin-1).
  const headerBytes = (t: string) => Buffer.from(t, 'utf8').toString('latin1').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
  const idempotency = fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('retry-1', 'retry-2') },
    { weight: 1, arbitrary: fc.oneof(text.map(headerBytes), fc.constant('')) },
  );
  const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, {
    weight: 1,
    arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''),
  });

  const endpoint = (service: ServiceName, method: string, path: fc.Arbitrary<string>, body?: fc.Arbitrary<string>, key = false) =>
    fc.record({
      service: fc.constant(service),
      method: fc.constant(method),
      path,
      body: body ?? fc.constant(undefined),
      headers: fc.record({ contentType, key: key ? idempotency : fc.constant(undefined) }).map(({ contentType: ct, key: k }) => ({
        ...(body && ct ? { 'content-type': ct } : {}),
        ...(k === undefined ? {} : { 'idempotency-key': k }),
      })),
      pick: fc.nat(),
      caller: callers,
    });
  const goodOrder = fc.record({
    customerId: fc.constantFrom(...CUSTOMERS),
    items: fc.uniqueArray(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3, selector: (l) => l.sku }),
  });
  const orderBody = fc.oneof(
    { weight: 3, arbitrary: goodOrder.map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: json(object({ customerId: customer, items: field(fc.array(object({ sku, quantity }), { minLength: 0, maxLength: 4 })) })) },
  );
  const query = fc
    .dictionary(fc.constantFrom('customerId', 'status', 'limit', 'cursor', 'x'), fc.oneof(text, fc.constantFrom('PENDING', 'CONFIRMED', '5', '101', '0')), { maxKeys: 3 })
    .map((q) => `/orders?${new URLSearchParams(q as Record<string, string>).toString()}`);
  return fc.oneof(
    { weight: 6, arbitrary: endpoint('order', 'POST', fc.constant('/orders'), orderBody, true) },
    { weight: 2, arbitrary: endpoint('order', 'GET', segment.map((s) => `/orders/${s}`)) },
    { weight: 1, arbitrary: endpoint('order', 'GET', query) },
    { weight: 2, arbitrary: endpoint('order', 'POST', segment.map((s) => `/orders/${s}/cancel`), fc.option(json(anyValue), { nil: undefined }).map((b) => b ?? '')) },
    { weight: 1, arbitrary: endpoint('inventory', 'GET', fc.oneof(fc.constant('/products'), sku.map((s) => `/products/${encodeURIComponent(String(s))}`))) },
    { weight: 2, arbitrary: endpoint('inventory', 'PUT', sku.map((s) => `/products/${encodeURIComponent(String(s))}`), json(object({ name, priceCents: amount(100000), available: amount(100) }))) },
    { weight: 2, arbitrary: endpoint('inventory', 'POST', sku.map((s) => `/products/${encodeURIComponent(String(s))}/restock`), json(object({ quantity: amount(100) }))) },
    { weight: 1, arbitrary: endpoint('payment', 'GET', customer.map((c) => `/accounts/${encodeURIComponent(String(c))}`)) },
    { weight: 2, arbitrary: endpoint('payment', 'PUT', customer.map((c) => `/accounts/${encodeURIComponent(String(c))}`), json(object({ balanceCents: amount(1_000_000) }))) },
    { weight: 2, arbitrary: endpoint('payment', 'POST', customer.map((c) => `/accounts/${encodeURIComponent(String(c))}/deposits`), json(object({ amountCents: amount(10000) }))) },
    { weight: 1, arbitrary: endpoint('payment', 'GET', segment.map((s) => `/payments/${s}`)) },
    {
      weight: 1,
      arbitrary: fc
        .record({ service: fc.constantFrom<ServiceName>('order', 'payment', 'inventory'), method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), path: text.map((t) => `/${encodeURIComponent(t)}`) })
        .chain((r) => endpoint(r.service, r.method, fc.constant(r.path), r.method === 'GET' ? undefined : json(anyValue))),
    },
  );
}

async function authorizationOf(api: Api, spec: FuzzRequest): Promise<Record<string, string>> {
  const { caller } = spec;
  if (typeof caller === 'object') return { authorization: caller.header };
  if (caller === 'anonymous') return {};
  if (caller === 'operator') return api.authorization();
  const owner = ownerOf(spec);
  return api.as(caller === 'owner' ? owner : owner === 'bob' ? 'alice' : 'bob').authorization();
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const log = (line: string) => options.quiet || process.stderr.write(`[fuzz] ${line}\n`);
  const started = Date.now();
  const system = await LocalSystem.start({ env: { SAGA_TIMEOUT_MS: '10000', SAGA_SWEEP_INTERVAL_MS: '250', COMPENSATION_RETRY_MS: '5000' } });
  const api = new Api(system);
  try {
    await api.account('alice', 1_000_000);
    await api.account('bob', 5_000);
    await api.account('carol-poor', 1);
    await api.product('FZ-A', 250, 500);
    await api.product('FZ-B', 1999, 50);
    await api.product('FZ-LAST', 100, 1);

    const specs = fc.sample(requests(), { numRuns: options.requests, seed: options.seed });
    const orderIds: string[] = [];
    const byStatus: Record<string, number> = {};
    const examples: FuzzResult['examples_5xx'] = [];
    let largest: FuzzResult['largest_response'] = { bytes: 0, method: '', path: '', status: 0 };
    const memory = new MemoryMeter(Object.fromEntries(SERVICES.map((s) => [s, () => system.pidsOf(s)])));
    memory.begin();
    let next = 0;
    let sent = 0;
    const worker = async () => {
      for (let i = next++; i < specs.length; i = next++) {
        const spec = specs[i]!;
        const path = spec.path.includes('{order}') ? spec.path.replace('{order}', orderIds[spec.pick % Math.max(1, orderIds.length)] ?? spec.pick.toString()) : spec.path;
        let status: number;
        let text = '';
        try {
          const headers = { ...spec.headers, ...(await authorizationOf(api, spec)) };
          const res = await fetch(system.url(spec.service, path), { method: spec.method, headers, ...(spec.body === undefined ? {} : { body: spec.body }) });
          status = res.status;
          text = await res.text();
          if (spec.method === 'POST' && path === '/orders' && status === 202) orderIds.push(JSON.parse(text).id);
        } catch (error) {
          status = 599; // no answer at all (a crashed service) counts as a failure
          text = String(error);
        }
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        const bytes = Buffer.byteLength(text);
        if (status !== 599 && bytes > largest.bytes) largest = { bytes, method: spec.method, path: path.slice(0, 100), status };
        if (status >= 500 && examples.length < 10) examples.push({ method: spec.method, path, status, body: (spec.body ?? '').slice(0, 200) });
        if (++sent % 1000 === 0) log(`${sent} requests`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const peak = memory.end() as Record<ServiceName, number>;
    log(`${sent} requests sent (${orderIds.length} orders placed); waiting for every saga to end`);
    const violations = await settledViolations(system, 180_000).catch((error: Error) => [error.message]);
    const responses5xx = Object.entries(byStatus).filter(([s]) => Number(s) >= 500).reduce((sum, [, n]) => sum + n, 0);
    return {
      requests: sent,
      responses_5xx: responses5xx,
      invariant_violations: violations.length,
      seed: options.seed,
      by_status: byStatus,
      duration_s: Math.round((Date.now() - started) / 100) / 10,
      examples_5xx: examples,
      largest_response: largest,
      peak_mib: peak,
      violations: violations.slice(0, 10),
    };
  } finally {
    await system.stop();
  }
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2), FUZZ_DEFAULTS);
  const result = await runFuzz(options);
  // With --json, stdout carries the JSON line alone.
  const out = options.json ? process.stderr : process.stdout;
  printTable(out, [
    ['requests', result.requests],
    ['responses 5xx', result.responses_5xx],
    ['invariant violations', result.invariant_violations],
    ['answers by status', Object.entries(result.by_status).map(([s, n]) => `${s}: ${n}`).join(', ')],
    ['largest answer', `${result.largest_response.bytes} bytes (${result.largest_response.status} to ${result.largest_response.method} ${result.largest_response.path})`],
    ['peak memory (PSS, MiB)', Object.entries(result.peak_mib).map(([s, m]) => `${s} ${m}`).join(', ')],
    ['seed', result.seed],
    ['duration', `${result.duration_s} s`],
  ]);
  for (const e of result.examples_5xx) out.write(`  5xx: ${e.status} ${e.method} ${e.path} ${e.body}\n`);
  for (const v of result.violations) out.write(`  violation: ${v}\n`);
  if (options.json) {
    const { violations: _, ...line } = result;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  process.exitCode = result.responses_5xx === 0 && result.invariant_violations === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`fuzz failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
