/**
 * npm run bench:overload -- [--duration S] [--factor F] [--connections N] [--queue-max N] [--json] [--record]
 *
 * The order service pushed past what it can take: the maximum is measured first (a short
 * closed-loop bench), then orders are offered in an open loop at `factor` times it for
 * `duration` seconds over `connections` connections, so requests pile up at the service as a
 * flood's would. Prints what was accepted (202) and refused (503 SERVICE_BUSY), the order
 * service's memory before, at its peak during and after the flood (PSS, MiB), and how many
 * accepted orders did not end (lost: must be 0). The services run with the Node options of
 * their pods (the V8 heap capped below the container's default memory limit), so the memory
 * figures are the ones a pod would see. `--queue-max` sets ORDER_PLACEMENT_QUEUE_MAX
 * (0: the service's default), to compare bounds. `--record` adds the run to the day's record
 * in docs/benchmarks/ (docs/operations.md shows the newest day's, npm run docs).
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { SERVICE_MEMORY_LIMIT_MI, serviceNodeOptions } from '@orders/contracts';
import { silenceKnownKafkaJsWarning } from '@orders/messaging';
import { Api, TERMINAL } from '../support/api.js';
import { processMemoryKib } from '../support/memory.js';
import { LocalSystem } from '../support/system.js';
import { BENCH_DEFAULTS, benchSystemEnv, runBenchmark, signedIn, untilTerminal } from './bench.js';
import { printTable, readOptions, round, whole } from './options.js';
import { keepRecord, newestRecord, today } from './records.js';

export const OVERLOAD_DEFAULTS = { duration: 30, factor: 2, connections: 2048, queueMax: 0, json: false, record: false };
type OverloadOptions = typeof OVERLOAD_DEFAULTS;

/** The overload runs of one day, kept in docs/benchmarks/overload-<date>.json (`--record` adds one). */
export interface OverloadRecord {
  date: string;
  runs: (OverloadResult & { run: string })[];
}

export interface OverloadResult {
  max_orders_per_sec: number;
  offered_per_sec: number;
  offered: number;
  accepted: number;
  refused_busy: number;
  other: number;
  order_service_mib: { before: number; peak_during: number; after: number };
  lost: number;
}

export async function runOverload(options: OverloadOptions): Promise<OverloadResult> {
  const log = (line: string) => process.stderr.write(`[overload] ${line}\n`);
  const system = await LocalSystem.start({
    env: benchSystemEnv({
      NODE_OPTIONS: serviceNodeOptions(SERVICE_MEMORY_LIMIT_MI),
      ...(options.queueMax > 0 ? { ORDER_PLACEMENT_QUEUE_MAX: String(options.queueMax) } : {}),
    }),
  });
  const pool = new Pool(system.url('order'), { connections: options.connections, pipelining: 1 });
  try {
    log('measuring the maximum (closed loop, 15 s)');
    const max = await runBenchmark({ ...BENCH_DEFAULTS, duration: 15, commitProbe: 0, quiet: true }, system);
    const rate = Math.round(max.orders_per_sec * options.factor);
    const api = new Api(system);
    const run = randomUUID().slice(0, 6);
    const customers = Array.from({ length: 50 }, (_, i) => `flood-${run}-c${i}`);
    const skus = Array.from({ length: 20 }, (_, i) => `FLOOD-${run}-${i}`);
    for (const c of customers) await api.account(c, 100_000_000_000);
    for (const s of skus) await api.product(s, 199, 1_000_000_000);

    const callers = await signedIn(api, customers);
    const orderPid = system.pidsOf('order')[0]!;
    const mib = () => round(processMemoryKib(orderPid) / 1024, 0);
    const before = mib();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, mib())), 500);
    log(`offering ${rate} orders/s (${options.factor} × ${round(max.orders_per_sec, 0)}) for ${options.duration} s over ${options.connections} connections`);
    const accepted: string[] = [];
    let busy = 0;
    let other = 0;
    const others = new Map<string, number>();
    const otherAnswer = (kind: string) => {
      other++;
      others.set(kind, (others.get(kind) ?? 0) + 1);
    };
    let offered = 0;
    const started = Date.now();
    const inFlight = new Set<Promise<void>>();
    for (let k = 0; Date.now() < started + options.duration * 1000; k++) {
      const due = started + (k * 1000) / rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      offered++;
      const caller = callers[k % callers.length]!;
      const body = JSON.stringify({ customerId: caller.id, items: [{ sku: skus[k % skus.length], quantity: 1 }] });
      const p = pool
        .request({ path: '/orders', method: 'POST', headers: { 'content-type': 'application/json', authorization: caller.authorization }, body })
        .then(async (res) => {
          const text = await res.body.text();
          if (res.statusCode === 202) accepted.push(JSON.parse(text).id);
          else if (res.statusCode === 503) busy++;
          else otherAnswer(`${res.statusCode} ${text.slice(0, 80)}`);
        })
        .catch((error: unknown) => otherAnswer((error as { code?: string }).code ?? String(error)))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    clearInterval(sampler);
    peak = Math.max(peak, mib());
    log(`offered ${offered}: ${accepted.length} accepted, ${busy} refused busy, ${other} other; waiting for every accepted order to end`);
    for (const [kind, n] of others) log(`  other: ${n} × ${kind}`);
    await untilTerminal(system, accepted, Date.now() + 300_000);
    let ended = 0;
    for (let i = 0; i < accepted.length; i += 5000) {
      const [row] = await system.db('order')('orders').whereIn('id', accepted.slice(i, i + 5000)).whereIn('status', TERMINAL).count({ n: '*' });
      ended += Number(row!.n);
    }
    const after = mib();
    const result: OverloadResult = {
      max_orders_per_sec: round(max.orders_per_sec),
      offered_per_sec: rate,
      offered,
      accepted: accepted.length,
      refused_busy: busy,
      other,
      order_service_mib: { before, peak_during: peak, after },
      lost: accepted.length - ended,
    };
    const out = options.json ? process.stderr : process.stdout;
    out.write(`\noverload: ${options.factor} × the maximum for ${options.duration} s${options.queueMax > 0 ? `, ORDER_PLACEMENT_QUEUE_MAX=${options.queueMax}` : ''}\n`);
    printTable(out, [
      ['maximum (closed loop)', `${result.max_orders_per_sec}/s`],
      ['offered', `${result.offered} (${rate}/s)`],
      ['accepted (202)', result.accepted],
      ['refused busy (503)', result.refused_busy],
      ['other answers or errors', result.other],
      ['order service MiB before / peak / after', `${before} / ${peak} / ${after}`],
      ['accepted orders not terminal (lost)', result.lost],
    ]);
    return result;
  } finally {
    await pool.close();
    await system.stop();
  }
}

if (require.main === module) {
  silenceKnownKafkaJsWarning();
  const options = readOptions(process.argv.slice(2), OVERLOAD_DEFAULTS);
  runOverload(options).then(
    (result) => {
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      if (options.record) {
        const date = today();
        const kept = newestRecord<OverloadRecord>('overload');
        const runs = kept?.record.date === date ? kept.record.runs : [];
        const run = `${whole(options.connections)} connections, ${options.factor} × max, ${options.queueMax > 0 ? `ORDER_PLACEMENT_QUEUE_MAX=${whole(options.queueMax)}` : 'the default bound'}`;
        process.stderr.write(`[overload] kept in ${keepRecord('overload', { date, runs: [...runs, { run, ...result }] })}\n`);
      }
      process.exit(result.lost > 0 ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`overload failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
