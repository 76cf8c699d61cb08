/** The kept runs (records.ts) as the Markdown docs/benchmarks.md and the README show them. */
import { markdownCell } from '@orders/platform';
import { compareSweeps, SPEED_TARGETS } from './compare.js';
import type { FootprintRecord } from './footprint.js';
import { tenths, whole } from './options.js';
import type { ChaosRecord, CompareRecord } from './records.js';
import type { OverloadRecord } from './overload.js';
import type { ProfileRecord } from './profile.js';

/** A commit as the docs name it; `+changes` marks a checkout whose tracked files differed from it. */
const commit = (sha: string) => `${sha.slice(0, 7)}${sha.endsWith('+changes') ? ' with uncommitted changes' : ''}`;
const pct = (n: number) => `${n > 0 ? '+' : n < 0 ? '−' : ''}${Math.abs(n).toFixed(1)} %`;

/** Each pair of a comparison at half of each run's own maximum, and how many pairs met each target. */
const capacity = (perSec: number | null) => (perSec === null ? '—' : whole(perSec));

export function comparisonTable(record: CompareRecord): string {
  const { pairs } = compareSweeps(record.before, record.after);
  const met = (key: keyof (typeof pairs)[number]['met']) => `${pairs.filter((p) => p.met[key]).length} of ${pairs.length}`;
  const half = (h: (typeof pairs)[number]['before']) => `${whole(h.offeredPerSec)}, ${whole(h.p50)} / ${whole(h.p99)}, ${h.cpuMsPerOrder.toFixed(2)}`;
  return [
    `\`${record.command}\`, ${record.date}: before = ${commit(record.before_commit)}, after = ${commit(record.after_commit)}; at half of each sweep's own maximum:`,
    '',
    '| pair | capacity at p99 ≤ 250 ms, before → after | before: max done/s | before at half: offered/s, p50 / p99 ms, CPU ms/order | after: max done/s | after at half: offered/s, p50 / p99 ms, CPU ms/order | CPU | CPU at one load |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...pairs.map(
      (p, k) =>
        `| ${k + 1} | ${capacity(p.capacity.before)} → ${capacity(p.capacity.after)} | ${tenths(p.before.maxPerSec)} | ${half(p.before)} | ${tenths(p.after.maxPerSec)} | ${half(p.after)} | ${pct(p.cpuChangePct)} | ${p.atBeforeHalfRate ? pct(p.atBeforeHalfRate.cpuChangePct) : '—'} |`,
    ),
    '',
    `The "after" sweeps: p99 ≤ ${SPEED_TARGETS.p99AtHalfMs} ms at half load in ${met('p99')}, p50 ≤ ${SPEED_TARGETS.p50AtHalfMs} ms in ${met('p50')}, ` +
      `a maximum of at least ${whole(SPEED_TARGETS.maxOrdersPerSec)} orders/s in ${met('max')}; no errors and nothing lost in ${met('noErrorsNoneLost')}. ` +
      `"CPU at one load" reads the "after" sweep at the "before" sweep's half rate.`,
  ].join('\n');
}

/** A chaos run: the counts, then each fault's recovery in the order injected. */
export function chaosTable(record: ChaosRecord): string {
  return [
    `\`${record.command}\`, ${record.date}: ${record.faults} faults under ${record.rate_per_sec} orders/s, ${whole(record.orders)} orders, ` +
      `${record.lost} lost, ${record.invariant_violations} invariant violations, recovery within ${record.max_recovery_s} s.`,
    '',
    '| fault | recovered in |',
    '| --- | --- |',
    ...Object.entries(record.recovery_s).map(([fault, s]) => `| ${fault} | ${s.toFixed(1)} s |`),
  ].join('\n');
}

/** The chaos run in one sentence, for the README. */
export function chaosSentence(record: ChaosRecord): string {
  return (
    `Chaos (\`${record.command}\`, ${record.date}): ${record.faults} faults under load — kills, broker and database ` +
    `restarts and freezes, duplicates, a poison message — ${whole(record.orders)} orders, ${record.lost} lost, ` +
    `${record.invariant_violations} invariant violations; a new order completes the saga within ${record.max_recovery_s} s of each fault's end.`
  );
}

/** Each process group's mean CPU and peak memory at the footprint's rate. */
export function footprintTable(record: FootprintRecord): string {
  return [
    `\`${record.command}\`, ${record.date}: ${record.rate_per_sec} orders/s for ${record.duration_s} s after a minute of warm-up, ` +
      `${whole(record.orders)} orders, ${record.errors} errors, ${record.lost} lost.`,
    '',
    '| process | CPU, millicores | peak memory (PSS), MiB |',
    '| --- | --- | --- |',
    ...Object.entries(record.footprint).map(([name, f]) => `| ${name.replaceAll('_', ' ')} | ${f.millicores} | ${f.peak_mib} |`),
  ].join('\n');
}

/** The overload runs of a day: what was offered, accepted and refused, the order service's memory, what was lost. */
export function overloadTable(record: OverloadRecord): string {
  return [
    '| run | max/s | offered | accepted | 503 busy | other | order service MiB before / peak / after | lost |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...record.runs.map(
      (r) =>
        `| ${r.run} | ${whole(r.max_orders_per_sec)} | ${whole(r.offered)} (${whole(r.offered_per_sec)}/s) | ${whole(r.accepted)} | ${whole(r.refused_busy)} | ${r.other} | ` +
        `${r.order_service_mib.before} / ${r.order_service_mib.peak_during} / ${r.order_service_mib.after} | ${r.lost} |`,
    ),
  ].join('\n');
}

const ms = (n: number) => n.toFixed(2);

/**
 * A profile: each process group's CPU per order and its largest parts (a service's by where
 * its code lives, PostgreSQL's by server process, the broker's by thread group), its write
 * calls and bytes per order; then what PostgreSQL wrote per order.
 */
export function profileTable(record: ProfileRecord, partsShown = 5): string {
  const parts = (list: { name: string; ms: number }[]) =>
    list
      .filter((p) => p.ms >= 0.01)
      .slice(0, partsShown)
      .map((p) => `${markdownText(p.name)} ${ms(p.ms)}`)
      .join(', ');
  const writes = (name: string) => {
    const w = record.writes_per_order[name];
    return w ? `${w.calls} / ${whole(w.bytes)}` : '—';
  };
  const rows = [
    ...Object.entries(record.services).map(([name, p]) => [name, p.cpu_ms_per_order, parts(p.groups.map((g) => ({ name: g.group, ms: g.ms_per_order })))] as const),
    ...Object.entries(record.infra).map(([name, p]) => [name, p.cpu_ms_per_order, parts(p.parts.map((x) => ({ name: x.part, ms: x.ms_per_order })))] as const),
  ];
  const w = record.postgres_work;
  const tables = w.tables.map((t) => `${t.table} ${[t.inserted && `+${t.inserted}`, t.updated && `~${t.updated}`, t.deleted && `−${t.deleted}`].filter(Boolean).join(' ')}`);
  return [
    `\`${record.command}\`, ${record.date}, BATCH_INTERVAL_MS ${record.batch_interval_ms}: ${tenths(record.orders_per_sec)} orders/s completed, p99 ${whole(record.p99_ms)} ms.`,
    '',
    '| process | CPU ms per order | its largest parts, ms per order | write calls / bytes per order |',
    '| --- | --- | --- | --- |',
    ...rows.map(([name, cpu, where]) => `| ${name} | ${ms(cpu)} | ${where} | ${writes(name)} |`),
    '',
    `PostgreSQL per order: ${w.commits} commits, ${w.wal.syncs} WAL syncs, ${w.wal.records} WAL records (${whole(w.wal.bytes)} bytes); ` +
      `rows inserted (+), updated (~), deleted (−): ${tables.join('; ')}.`,
  ].join('\n');
}

/** A name in a table cell: its pipes escaped, and its underscores, so `node:_http_server` is no emphasis. */
const markdownText = (text: string) => markdownCell(text).replaceAll('_', '\\_');
