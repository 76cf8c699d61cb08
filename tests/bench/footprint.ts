/**
 * npm run bench:footprint — what each process of the system uses at a demo's load: the
 * three services on fresh databases place LOW_RATE_PER_SEC orders/s for a minute after a
 * minute of warm-up; the mean CPU (millicores) and the peak memory (PSS) of every process
 * group are written to docs/benchmarks/footprint-<date>.json. The stack's requests
 * (pulumi/src/sizing.ts) are set from the newest such file, and a test holds them to it.
 */
import path from 'node:path';
import { silenceKnownKafkaJsWarning } from '@orders/messaging';
import { BENCH_DEFAULTS, runBenchmark } from './bench.js';
import { keepRecord, today } from './records.js';
import { LOW_RATE_PER_SEC } from './sweep.js';

export const FOOTPRINT_RUN = { rate: LOW_RATE_PER_SEC, duration: 60, warmup: 60 } as const;

export interface FootprintRecord {
  date: string;
  command: string;
  rate_per_sec: number;
  duration_s: number;
  orders: number;
  errors: number;
  lost: number;
  footprint: Record<string, { millicores: number; peak_mib: number }>;
}

async function main(): Promise<void> {
  const result = await runBenchmark({ ...BENCH_DEFAULTS, ...FOOTPRINT_RUN, commitProbe: 0, memory: true });
  const date = today();
  const record: FootprintRecord = {
    date,
    command: 'npm run bench:footprint',
    rate_per_sec: FOOTPRINT_RUN.rate,
    duration_s: FOOTPRINT_RUN.duration,
    orders: result.orders,
    errors: result.errors,
    lost: result.lost,
    footprint: Object.fromEntries(Object.entries(result.footprint).map(([name, f]) => [name, { millicores: f.millicores, peak_mib: f.peak_mib! }])),
  };
  const file = keepRecord('footprint', record);
  process.stdout.write(`written: ${path.relative(process.cwd(), file)}\n`);
  if (result.lost > 0 || result.errors > 0) process.exit(1);
}

if (require.main === module) {
  silenceKnownKafkaJsWarning();
  main().catch((error: unknown) => {
    process.stderr.write(`footprint failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
