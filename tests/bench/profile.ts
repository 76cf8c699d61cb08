/**
 * npm run bench:profile -- [--rate N] [--duration S] [--top N] [--json]
 *
 * Where each service's CPU per order goes: one open-loop bench run (`--rate` orders/s for
 * `--duration` s, after the usual warm-up) with every service started under V8's sampling
 * profiler (`node --cpu-prof`). Each process's CPU per order, as the bench measures it from
 * /proc, is split by the profile's shares of its main thread's busy time: by where the code
 * lives (a package, a part of this repository, Node's modules, V8's garbage collection and
 * compiler) and by function. The profiles stay in .cache/profiles/<time>/ for a closer look
 * (Chrome DevTools or speedscope open them). The profiles cover the processes' whole lives,
 * the set-up and warm-up included, which a long run makes small.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { silenceKnownKafkaJsWarning } from '@orders/messaging';
import { LocalSystem, SERVICES, type ServiceName } from '../support/system.js';
import { BENCH_DEFAULTS, benchSystemEnv, runBenchmark } from './bench.js';
import { printTable, readOptions, round } from './options.js';
import { summarizeProfile, type CpuProfile } from './profile-summary.js';

export const PROFILE_DEFAULTS = { rate: 800, duration: 60, top: 12, json: false };

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ServiceProfile {
  cpu_ms_per_order: number;
  groups: { group: string; ms_per_order: number }[];
  functions: { name: string; ms_per_order: number }[];
}

export async function runProfile(options: typeof PROFILE_DEFAULTS): Promise<{ orders_per_sec: number; p99_ms: number; services: Record<string, ServiceProfile>; dir: string }> {
  const dir = path.join(ROOT, '.cache', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const system = await LocalSystem.start({
    env: benchSystemEnv({ NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` }),
  });
  const pids = new Map<number, ServiceName>();
  let result;
  try {
    for (const service of SERVICES) for (const pid of system.pidsOf(service)) pids.set(pid, service);
    result = await runBenchmark({ ...BENCH_DEFAULTS, rate: options.rate, duration: options.duration, commitProbe: 0, quiet: true }, system);
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
  return { orders_per_sec: result.orders_per_sec, p99_ms: result.p99_ms, services, dir: path.relative(ROOT, dir) };
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
      if (options.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`profile failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
