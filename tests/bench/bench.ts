/**
 * npm run bench -- [--duration S] [--warmup S] [--concurrency N | --rate R] [--customers N] [--sweep] [--json]
 *
 * Starts the three services on fresh databases (real PostgreSQL and Kafka on loopback),
 * creates its own products and accounts, places orders for `warmup` seconds and waits until
 * they are terminal (not measured), then places orders for `duration` seconds — closed loop
 * with `concurrency` requests in flight, or open loop at `rate` orders/s — and waits until
 * every accepted order is terminal. Latency is POST → terminal (when the order service
 * wrote the final status, in the transaction that commits it one round trip later).
 * Prints a table and, with --json, one JSON line on stdout (the table goes to stderr).
 * CPU per order is read from the OS for each process.
 * --sweep: the maximum, then open-loop steps at 10 orders/s and at fractions of it (sweep.ts).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { silenceKnownKafkaJsWarning } from '@orders/messaging';
import { Api, TERMINAL } from '../support/api.js';
import { commitCount, commitLimitTps } from '../support/pg-stats.js';
import { LocalSystem, SERVICES, type ServiceName } from '../support/system.js';
import { percentile, printTable, readOptions, round } from './options.js';
import { sagaHops, stageCounters, stageFigures, type ConsumerFigures } from './saga-measures.js';
import { CpuMeter, pidsNamed } from '../support/cpu.js';
import { MemoryMeter } from '../support/memory.js';
import { BrokerLoadRecord, warmUpSeconds } from './broker-warmth.js';

export const BENCH_DEFAULTS = {
  duration: 20,
  /** Seconds of the same load placed, and settled, before the measured load (not counted). */
  warmup: 5,
  concurrency: 64,
  rate: 0,
  customers: 50,
  skus: 20,
  settleTimeout: 120,
  commitProbe: 3,
  partitions: 6,
  sweep: false,
  /** The sweep's capacity search: seconds of each probe (after `warmup` at its rate)… */
  probeDuration: 30,
  /** …and the most probes it runs. */
  probes: 5,
  /**
   * Also sample each process group's memory (PSS) every second. Reading a JVM's
   * smaps_rollup takes the bench tens of milliseconds of CPU each time, which shows at low
   * rates (9–10 ms per order at 10 orders/s), so only the footprint run asks for it.
   */
  memory: false,
  json: false,
  quiet: false,
};
export type BenchOptions = typeof BENCH_DEFAULTS;

/** The services' environment in every bench run (quiet logs, a larger pool, no saga timeout during a run) and what a run adds. */
export const benchSystemEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  LOG_LEVEL: 'warn',
  DB_POOL_MAX: '20',
  SAGA_TIMEOUT_MS: '120000',
  ...extra,
});

export interface BenchResult {
  orders: number;
  orders_per_sec: number;
  accepted_per_sec: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  errors: number;
  lost: number;
  pg_commit_limit_tps: number;
  commits_per_order: number;
  limit_ratio: number;
  /** CPU milliseconds per terminal order, per process group (read from the OS) and in total. */
  cpu_ms_per_order: Record<string, number>;
  /**
   * What each process group used over the same window as the CPU: its mean CPU in
   * millicores (CPU ms per second) and, with the `memory` option, the most memory it held
   * (PSS, MiB). The stack's requests are set from these (pulumi/src/sizing.ts).
   */
  footprint: Record<string, { millicores: number; peak_mib?: number }>;
  /**
   * p50 and p99 of each saga hop, in ms, and the p50 of its two sides: up to the Kafka
   * timestamp of the event that carries the order on (the relay's send), and from there to
   * the next service's transaction.
   */
  hops: Record<string, { p50_ms: number; p99_ms: number; to_send_p50_ms: number; from_send_p50_ms: number }>;
  /** Each service's consumer over the same window as the CPU: transactions, their size and time, its busy share. */
  consumers: Record<ServiceName, ConsumerFigures>;
  /** Orders of the warm-up, all terminal before the measurement starts; counted nowhere else. */
  warmup_orders: number;
}

/** The load benches have put on the running broker of scripts/infra.sh. */
const brokerLoad = new BrokerLoadRecord(LocalSystem.infraRunDir, () => LocalSystem.infraPid('kafka'));

/** The warm-up a bench asked for `asked` seconds runs now: longer on a broker that still compiles. */
export const plannedWarmUp = (asked: number): number => warmUpSeconds(asked, brokerLoad.read());

export async function runBenchmark(options: BenchOptions, system?: LocalSystem): Promise<BenchResult> {
  const log = (line: string) => options.quiet || process.stderr.write(`[bench] ${line}\n`);
  const owned = !system;
  system ??= await LocalSystem.start({
    env: benchSystemEnv({ KAFKA_TOPIC_PARTITIONS: String(options.partitions) }),
  });
  const api = new Api(system);
  const pool = new Pool(system.url('order'), { connections: Math.max(8, options.concurrency || 64), pipelining: 1 });
  try {
    const run = randomUUID().slice(0, 6);
    const customers = Array.from({ length: options.customers }, (_, i) => `bench-${run}-c${i}`);
    const skus = Array.from({ length: options.skus }, (_, i) => `BENCH-${run}-${i}`);
    for (const c of customers) await api.account(c, 100_000_000_000);
    for (const s of skus) await api.product(s, 199, 1_000_000_000);

    // Fresh processes compile their hot paths during the first seconds of load (V8, the
    // Kafka JVM), and at more CPU than later: that load is placed and settled, then measured.
    // A broker that still compiles gets the rest of its minute (broker-warmth.ts).
    let warmupOrders = 0;
    const warmup = plannedWarmUp(options.warmup);
    if (warmup > options.warmup) log(`the broker still compiles its hot paths: warming up for ${warmup} s`);
    if (warmup > 0) {
      const warm = await placeOrders(pool, { ...options, duration: warmup }, await signedIn(api, customers), skus, log, 'warm-up');
      warmupOrders = warm.sent.size;
      await untilTerminal(system, [...warm.sent.keys()], Date.now() + options.settleTimeout * 1000);
      brokerLoad.add(warmup);
    }

    let pgLimit = 0;
    if (options.commitProbe > 0) {
      log(`measuring the PostgreSQL commit limit for ${options.commitProbe} s`);
      pgLimit = await commitLimitTps(system.dbName('order'), options.commitProbe);
    }
    const databases = SERVICES.map((s) => system!.dbName(s));
    const commitsBefore = await commitCount(databases);
    const stagesBefore = await stageCounters(system);
    const cpu = cpuMeterOf(system);
    const groups = processGroupsOf(system);
    const memory = options.memory ? new MemoryMeter(groups) : null;
    const measureStart = performance.now();
    cpu.begin();
    memory?.begin();

    const load = await placeOrders(pool, options, await signedIn(api, customers), skus, log, 'load');
    brokerLoad.add(options.duration);
    const { sent, errors, started } = load;
    const ids = [...sent.keys()];
    await untilTerminal(system, ids, Date.now() + options.settleTimeout * 1000);
    const orderDb = system.db('order');
    const cpuUsed = cpu.end();
    const peakMemory = memory?.end();
    const measuredSeconds = (performance.now() - measureStart) / 1000;
    const stages = stageFigures(stagesBefore, await stageCounters(system), measuredSeconds, ids.length);
    const commitsAfter = await commitCount(databases);

    const finished: { id: string; updated_at: Date }[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      finished.push(...(await orderDb('orders').whereIn('id', ids.slice(i, i + 5000)).whereIn('status', TERMINAL).select('id', 'updated_at')));
    }
    const hops = await sagaHops(system, finished.map((o) => o.id), started);
    const latencies = finished.map((o) => o.updated_at.getTime() - sent.get(o.id)!).sort((a, b) => a - b);
    const lastTerminal = Math.max(...finished.map((o) => o.updated_at.getTime()), started);
    const endToEndSeconds = (lastTerminal - started) / 1000;
    const orders = finished.length;
    const ordersPerSec = endToEndSeconds > 0 ? orders / endToEndSeconds : 0;
    const commitsPerOrder = ids.length > 0 ? (commitsAfter - commitsBefore) / ids.length : 0;
    const result: BenchResult = {
      orders,
      orders_per_sec: round(ordersPerSec),
      accepted_per_sec: round(ids.length / load.seconds),
      p50_ms: percentile(latencies, 50),
      p95_ms: percentile(latencies, 95),
      p99_ms: percentile(latencies, 99),
      errors,
      lost: ids.length - orders,
      pg_commit_limit_tps: round(pgLimit, 0),
      commits_per_order: round(commitsPerOrder, 2),
      limit_ratio: round(pgLimit > 0 ? (ordersPerSec * commitsPerOrder) / pgLimit : 0, 3),
      cpu_ms_per_order: Object.fromEntries(Object.entries(cpuUsed).map(([k, ms]) => [k, round(orders > 0 ? ms / orders : 0, 2)])),
      footprint: Object.fromEntries(
        Object.keys(groups).map((k) => [k, { millicores: round(cpuUsed[k]! / measuredSeconds, 0), ...(peakMemory && { peak_mib: peakMemory[k]! }) }]),
      ),
      hops: Object.fromEntries(
        hops.map((h) => [h.hop, { p50_ms: h.p50, p99_ms: h.p99, to_send_p50_ms: h.toSendP50, from_send_p50_ms: h.fromSendP50 }]),
      ),
      consumers: stages.consumers,
      warmup_orders: warmupOrders,
    };
    if (!options.quiet) {
      // With --json, stdout carries the JSON line alone.
      const out = options.json ? process.stderr : process.stdout;
      out.write(`\nbenchmark: ${options.rate > 0 ? `${options.rate} orders/s open loop` : `${options.concurrency} in flight`}, ${options.duration} s\n`);
      printTable(out, [
        ['warm-up orders (not measured)', result.warmup_orders],
        ['orders (terminal)', result.orders],
        ['end-to-end orders/s', result.orders_per_sec],
        ['accepted orders/s', result.accepted_per_sec],
        ['latency p50 (POST → terminal)', `${result.p50_ms} ms`],
        ['latency p95', `${result.p95_ms} ms`],
        ['latency p99', `${result.p99_ms} ms`],
        ['errors', result.errors],
        ['lost (never terminal)', result.lost],
        ['PostgreSQL commit limit', `${result.pg_commit_limit_tps} tps`],
        ['commits per order', result.commits_per_order],
        ['share of the commit limit used', result.limit_ratio],
        ['events per outbox relay batch', stages.relayBatch],
        ...Object.entries(result.consumers).map(([service, c]): [string, string] => [
          `${service} consumer: transactions/s, messages each, mean ms, busy`,
          `${c.transactions_per_sec}, ${c.messages_per_transaction}, ${c.transaction_ms} ms, ${Math.round(c.busy_share * 100)} %`,
        ]),
        ...hops.flatMap((h): [string, string][] => [
          [`${h.hop} p50 / p99`, `${h.p50} / ${h.p99} ms`],
          ['  p50 up to the send / after it', `${h.toSendP50} / ${h.fromSendP50} ms`],
        ]),
        ...Object.entries(result.cpu_ms_per_order).map(([k, ms]): [string, string] => [`CPU per order: ${k}`, `${ms} ms`]),
        ...Object.entries(result.footprint).map(([k, f]): [string, string] =>
          f.peak_mib === undefined ? [`mean CPU: ${k}`, `${f.millicores}m`] : [`mean CPU, peak memory: ${k}`, `${f.millicores}m, ${f.peak_mib} MiB`],
        ),
      ]);
    }
    return result;
  } finally {
    await pool.close();
    if (owned) await system.stop();
  }
}

/** Each customer with the Authorization header of its current token: orders are placed by the customers themselves. */
export async function signedIn(api: Api, customers: readonly string[]): Promise<{ id: string; authorization: string }[]> {
  return Promise.all(customers.map(async (id) => ({ id, authorization: (await api.as(id).authorization()).authorization! })));
}

/** Places orders for `options.duration` seconds (open loop at `rate`, else `concurrency` in flight). */
async function placeOrders(
  pool: Pool,
  options: BenchOptions,
  customers: { id: string; authorization: string }[],
  skus: string[],
  log: (line: string) => void,
  phase: string,
): Promise<{ sent: Map<string, number>; errors: number; started: number; seconds: number }> {
  const sent = new Map<string, number>();
  let errors = 0;
  let n = 0;
  const started = Date.now();
  const stopAt = started + options.duration * 1000;
  const placeOne = async () => {
    const i = n++;
    const customer = customers[i % customers.length]!;
    const body = JSON.stringify({
      customerId: customer.id,
      items: [{ sku: skus[i % skus.length], quantity: 1 + (i % 3) }],
    });
    const at = Date.now();
    try {
      const res = await pool.request({ path: '/orders', method: 'POST', headers: { 'content-type': 'application/json', authorization: customer.authorization }, body });
      const text = await res.body.text();
      if (res.statusCode === 202) sent.set(JSON.parse(text).id, at);
      else errors++;
    } catch {
      errors++;
    }
  };
  const progress = setInterval(() => {
    const s = (Date.now() - started) / 1000;
    log(`${s.toFixed(0)} s: ${sent.size} accepted (${(sent.size / s).toFixed(0)}/s), ${errors} errors`);
  }, 5000);
  if (options.rate > 0) {
    const inFlight = new Set<Promise<void>>();
    for (let k = 0; Date.now() < stopAt; k++) {
      const due = started + (k * 1000) / options.rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const p = placeOne().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (Date.now() < stopAt) await placeOne();
      }),
    );
  }
  clearInterval(progress);
  const loadSeconds = (Date.now() - started) / 1000;
  log(`${phase} done: ${sent.size} accepted in ${loadSeconds.toFixed(1)} s; waiting for every order to be terminal`);

  return { sent, errors, started, seconds: loadSeconds };
}

/** Waits until every order of `ids` is terminal, or until `deadline`. */
export async function untilTerminal(system: LocalSystem, ids: string[], deadline: number): Promise<void> {
  const orderDb = system.db('order');
  let open = ids.length;
  while (open > 0 && Date.now() < deadline) {
    open = 0;
    for (let i = 0; i < ids.length; i += 5000) {
      const [row] = await orderDb('orders').whereIn('id', ids.slice(i, i + 5000)).whereNotIn('status', TERMINAL).count({ n: '*' });
      open += Number(row!.n);
    }
    if (open > 0) await new Promise((r) => setTimeout(r, 250));
  }
}

/** The processes of the system under test, by group, and the load generator (this process). */
export function processGroupsOf(system: LocalSystem): Record<string, () => number[]> {
  const infra = (name: 'kafka' | 'zookeeper') => () => {
    const pid = LocalSystem.infraPid(name);
    return pid ? [pid] : [];
  };
  return {
    ...Object.fromEntries(SERVICES.map((s) => [s, () => system.pidsOf(s)])),
    kafka: infra('kafka'),
    zookeeper: infra('zookeeper'),
    postgres: () => pidsNamed('postgres'),
    load_generator: () => [process.pid],
  };
}

export const cpuMeterOf = (system: LocalSystem): CpuMeter => new CpuMeter(processGroupsOf(system));

if (require.main === module) {
  silenceKnownKafkaJsWarning();
  const options = readOptions(process.argv.slice(2), BENCH_DEFAULTS);
  (options.sweep ? import('./sweep.js').then((m) => m.runSweep(options)) : runBenchmark(options)).then(
    (result) => {
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(result.lost > 0 ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
