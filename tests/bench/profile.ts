/**
 * npm run bench:profile -- [--rate N] [--duration S] [--top N] [--json] [--record]
 *
 * Where each service's CPU per order goes: one open-loop bench run (`--rate` orders/s for
 * `--duration` s, after the usual warm-up) with every service started under V8's sampling
 * profiler (`node --cpu-prof`). Each process's CPU per order, as the bench measures it from
 * /proc, is split by the profile's shares of its main thread's busy time: by where the code
 * lives (a package, a part of this repository, Node's modules, V8's garbage collection and
 * compiler) and by function. The profiles stay in .cache/profiles/<time>/ for a closer look
 * (Chrome DevTools or speedscope open them). The profiles cover the processes' whole lives,
 * the set-up and warm-up included, which a long run makes small.
 *
 * PostgreSQL's and the broker's CPU per order are split the same way by what /proc says
 * each of their processes and threads used over the run: PostgreSQL's by server process (the
 * backends of each service's database, the background processes), the broker's by thread
 * group. With them come each process group's write calls and bytes per order and what
 * PostgreSQL did per order (rows written by table, WAL, commits). `--record` keeps the
 * result as docs/benchmarks/profile-<date>.json, which docs/benchmarks.md shows.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { silenceKnownKafkaJsWarning } from '@orders/messaging';
import { commonSettings } from '@orders/runtime';
import { LocalSystem, SERVICES, type ServiceName } from '../support/system.js';
import { BENCH_DEFAULTS, benchSystemEnv, processGroupsOf, runBenchmark } from './bench.js';
import { printTable, readOptions, round } from './options.js';
import { keepRecord, today } from './records.js';
import { summarizeProfile, type CpuProfile } from './profile-summary.js';
import { CpuParts } from '../support/cpu-parts.js';
import { WriteMeter } from '../support/proc-io.js';
import { pgWorkPerOrder, readPgWork, type PgWorkPerOrder } from '../support/pg-work.js';

export const PROFILE_DEFAULTS = { rate: 800, duration: 60, top: 12, json: false, record: false };

export interface ProfileRecord extends Omit<ProfileResult, 'dir'> {
  date: string;
  command: string;
  rate_per_sec: number;
  duration_s: number;
  /** The services' BATCH_INTERVAL_MS. */
  batch_interval_ms: number;
}

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ServiceProfile {
  cpu_ms_per_order: number;
  groups: { group: string; ms_per_order: number }[];
  functions: { name: string; ms_per_order: number }[];
}

export interface ProfileResult {
  orders_per_sec: number;
  p99_ms: number;
  services: Record<string, ServiceProfile>;
  /** PostgreSQL's and the broker's CPU per order, split by server process and by thread group. */
  infra: Record<'postgres' | 'kafka', { cpu_ms_per_order: number; parts: { part: string; ms_per_order: number }[] }>;
  /** Write calls and bytes per order of each process group (sockets and files). */
  writes_per_order: Record<string, { calls: number; bytes: number }>;
  /** What PostgreSQL did per order: rows written by table, WAL, commits. */
  postgres_work: PgWorkPerOrder;
  dir: string;
}

/** A group's CPU per order split by the shares its parts used over the run. */
function splitByShares(cpuMsPerOrder: number, used: Record<string, number>) {
  const total = Object.values(used).reduce((a, b) => a + b, 0);
  return {
    cpu_ms_per_order: cpuMsPerOrder,
    parts: Object.entries(used)
      .map(([part, ms]) => ({ part, ms_per_order: round(total > 0 ? (ms / total) * cpuMsPerOrder : 0, 3) }))
      .filter((p) => p.ms_per_order >= 0.001)
      .sort((a, b) => b.ms_per_order - a.ms_per_order),
  };
}

export async function runProfile(options: typeof PROFILE_DEFAULTS): Promise<ProfileResult> {
  const dir = path.join(ROOT, '.cache', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const system = await LocalSystem.start({
    env: benchSystemEnv({ NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` }),
  });
  const pids = new Map<number, ServiceName>();
  const parts = new CpuParts(() => LocalSystem.infraPid('kafka'));
  let result, used, work, writes;
  try {
    for (const service of SERVICES) for (const pid of system.pidsOf(service)) pids.set(pid, service);
    const dbs = Object.fromEntries(SERVICES.map((s) => [s, system.db(s)]));
    const databases = SERVICES.map((s) => system.dbName(s));
    const pgBefore = await readPgWork(dbs, databases);
    const writeMeter = new WriteMeter(processGroupsOf(system));
    parts.begin();
    writeMeter.begin();
    result = await runBenchmark({ ...BENCH_DEFAULTS, rate: options.rate, duration: options.duration, commitProbe: 0, quiet: true }, system);
    used = parts.end();
    const written = writeMeter.end();
    const pgAfter = await readPgWork(dbs, databases);
    const orders = (pgAfter.tables['order.orders']?.inserted ?? 0) - (pgBefore.tables['order.orders']?.inserted ?? 0);
    work = pgWorkPerOrder(pgBefore, pgAfter, orders);
    writes = Object.fromEntries(
      Object.entries(written).map(([name, w]) => [name, { calls: round(orders > 0 ? w.calls / orders : 0, 2), bytes: Math.round(orders > 0 ? w.bytes / orders : 0) }]),
    );
  } finally {
    // The profiles are written as the processes exit.
    await system.stop();
  }
  const services: Record<string, ServiceProfile> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const pid = Number(file.split('.')[3]);
    const service = pids.get(pid);
    if (!service) continue;
    const summary = summarizeProfile(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, options.top);
    const cpu = result.cpu_ms_per_order[service] ?? 0;
    services[service] = {
      cpu_ms_per_order: cpu,
      groups: summary.groups.map((g) => ({ group: g.group, ms_per_order: round(g.share * cpu, 3) })),
      functions: summary.functions.map((f) => ({ name: f.name, ms_per_order: round(f.share * cpu, 3) })),
    };
  }
  // A backend is named by its service rather than by the test system's name for its database.
  const backendOf = new Map(SERVICES.map((s) => [`backend: ${system.dbName(s)}`, `backend: ${s}`]));
  const byService = Object.fromEntries(Object.entries(used!.postgres).map(([part, ms]) => [backendOf.get(part) ?? part, ms]));
  const infra = {
    postgres: splitByShares(result.cpu_ms_per_order.postgres ?? 0, byService),
    kafka: splitByShares(result.cpu_ms_per_order.kafka ?? 0, used!.kafka),
  };
  return { orders_per_sec: result.orders_per_sec, p99_ms: result.p99_ms, services, infra, writes_per_order: writes!, postgres_work: work!, dir: path.relative(ROOT, dir) };
}

if (require.main === module) {
  silenceKnownKafkaJsWarning();
  const options = readOptions(process.argv.slice(2), PROFILE_DEFAULTS);
  runProfile(options).then(
    (r) => {
      const out = options.json ? process.stderr : process.stdout;
      out.write(`\nprofile: ${options.rate} orders/s offered for ${options.duration} s: ${r.orders_per_sec}/s completed, p99 ${r.p99_ms} ms (profiles in ${r.dir})\n`);
      for (const [service, p] of Object.entries(r.services)) {
        out.write(`\n${service}: ${p.cpu_ms_per_order} ms of CPU per order\n`);
        printTable(out, p.groups.filter((g) => g.ms_per_order >= 0.005).map((g): [string, string] => [g.group, `${g.ms_per_order.toFixed(3)} ms`]));
        out.write('  top functions (self time):\n');
        printTable(out, p.functions.map((f): [string, string] => [`  ${f.name}`, `${f.ms_per_order.toFixed(3)} ms`]));
      }
      for (const [name, p] of Object.entries(r.infra)) {
        out.write(`\n${name}: ${p.cpu_ms_per_order} ms of CPU per order, by ${name === 'kafka' ? 'thread group' : 'server process'}\n`);
        printTable(out, p.parts.slice(0, options.top).map((x): [string, string] => [x.part, `${x.ms_per_order.toFixed(3)} ms`]));
      }
      out.write('\nwrite calls and bytes per order (sockets and files):\n');
      printTable(out, Object.entries(r.writes_per_order).map(([name, x]): [string, string] => [name, `${x.calls} calls, ${x.bytes} B`]));
      const w = r.postgres_work;
      out.write(`\npostgres work per order: ${w.commits} commits, ${w.wal.records} WAL records, ${Math.round(w.wal.bytes)} WAL bytes, ${w.wal.writes} WAL writes, ${w.wal.syncs} WAL syncs\n`);
      printTable(out, w.tables.map((t): [string, string] => [t.table, `+${t.inserted} ~${t.updated} -${t.deleted} rows`]));
      if (options.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      if (options.record) {
        const { dir: _dir, ...measured } = r;
        const record: ProfileRecord = {
          date: today(),
          command: `npm run bench:profile -- --rate ${options.rate} --duration ${options.duration} --record`,
          rate_per_sec: options.rate,
          duration_s: options.duration,
          batch_interval_ms: Number(process.env.BATCH_INTERVAL_MS ?? commonSettings.batchIntervalMs.default),
          ...measured,
        };
        process.stderr.write(`kept in ${path.relative(ROOT, keepRecord('profile', record))}\n`);
      }
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`profile failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
