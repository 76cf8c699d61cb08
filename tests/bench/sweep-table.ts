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
