import { SERVICES } from '../support/system.js';
import { tenths, whole } from './options.js';
import type { SweepResult, SweepStep } from './sweep.js';

const ms = (n: number) => n.toFixed(2);

/** CPU per order as the README gives it: the services, Kafka with ZooKeeper, PostgreSQL, the load generator, the total. */
function cpuCell(cpu: Record<string, number>): string {
  const part = (...names: string[]) => names.reduce((sum, name) => sum + (cpu[name] ?? 0), 0);
  return [part(...SERVICES), part('kafka', 'zookeeper'), part('postgres'), part('load_generator'), cpu.total ?? 0].map(ms).join(' / ');
}

function row(load: string, offered: string, s: Pick<SweepStep, 'orders_per_sec' | 'p50_ms' | 'p95_ms' | 'p99_ms' | 'cpu_ms_per_order'>): string {
  return `| ${load} | ${offered} | ${tenths(s.orders_per_sec)} | ${whole(s.p50_ms)} | ${whole(s.p95_ms)} | ${whole(s.p99_ms)} | ${cpuCell(s.cpu_ms_per_order)} |`;
}

/**
 * A sweep's steps as a Markdown table, from its JSON (docs/benchmarks/<date>.json): the 10
 * orders/s step when the sweep has one, the open-loop steps, then the closed-loop maximum
 * (the step at 100 %, which has no offered rate).
 */
export function sweepTable(sweep: SweepResult): string {
  return [
    '| load | offered/s | completed/s | p50 ms | p95 ms | p99 ms | CPU ms per order: services / Kafka / PostgreSQL / load generator / total |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...(sweep.low_rate ? [row(`${whole(sweep.low_rate.offered_per_sec)}/s`, whole(sweep.low_rate.offered_per_sec), sweep.low_rate)] : []),
    ...sweep.steps.map((s) => (s.load_pct === 100 ? row('max (closed loop)', '—', s) : row(`${s.load_pct} %`, whole(s.offered_per_sec), s))),
  ].join('\n');
}

/**
 * The capacity at the objective as the README leads with it: the figure, the objective, the
 * sweep's date and machine, and the two probes that bracket it (from the sweep's JSON).
 */
export function capacitySentence(sweep: SweepResult, date: string): string {
  const search = sweep.capacity_search;
  if (sweep.capacity_at_slo_per_sec === undefined || !search) return `The sweep of ${date} predates the capacity search: run \`npm run bench -- --sweep\`.`;
  const probe = (s: SweepStep) => `${whole(s.offered_per_sec)}/s offered, ${tenths(s.orders_per_sec)}/s completed, p99 ${whole(s.p99_ms)} ms`;
  return [
    `**Capacity at the latency objective: ${whole(sweep.capacity_at_slo_per_sec)} orders/s** — the highest rate offered in an open loop`,
    `for ${search.probe_seconds} s (after ${search.warmup_seconds} s of warm-up) at which p99 POST → terminal stayed ≤ ${search.objective.p99_ms} ms`,
    `and at least ${search.objective.completed_share * 100} % of the orders completed, with no errors and nothing lost`,
    `(\`npm run bench -- --sweep\`, ${date}, a 2-core VM running the services, PostgreSQL, Kafka and the load generator).`,
    `It met the objective at ${search.met ? probe(search.met) : 'no rate probed'};`,
    search.missed ? `it missed it at ${probe(search.missed)}.` : 'no rate probed above it missed it (the search stops at the closed-loop maximum).',
  ].join('\n');
}
