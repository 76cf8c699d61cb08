/**
 * Sweeps of two versions of the code, made in one run, side by side
 * (`npm run bench:compare -- <commit>`, scripts/bench-compare.sh): per pair the steps of
 * both sweeps, and at half of each run's maximum the figures the speed targets are about.
 *
 *   node tests/dist/bench/compare.js --before B1.json B2.json --after A1.json A2.json [--json]
 *                                    [--record DIR --commits BEFORE AFTER]
 *
 * The n-th file of --before and of --after form the n-th pair; --record keeps the sweeps
 * as DIR/compare-<date>.json (records.ts).
 */
import { readFileSync } from 'node:fs';
import { round } from './options.js';
import { type CompareRecord, keepRecord, today } from './records.js';
import type { SweepResult, SweepStep } from './sweep.js';

/** The speed targets, checked on each "after" sweep at half of its own maximum. */
export const SPEED_TARGETS = {
  p99AtHalfMs: 250,
  p50AtHalfMs: 60,
  maxOrdersPerSec: 2000,
  /** CPU per order at half load against the "before" sweep of the same pair, in percent. */
  cpuChangeAtHalfPct: -40,
} as const;

export interface HalfLoad {
  maxPerSec: number;
  offeredPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  cpuMsPerOrder: number;
  errors: number;
  lost: number;
}

export interface PairComparison {
  before: HalfLoad;
  after: HalfLoad;
  /** CPU per order at half load, after against before, in percent (negative: less). */
  cpuChangePct: number;
  /**
   * The same at one load: the "after" sweep's CPU per order at the "before" sweep's half rate,
   * interpolated between its steps; null when that rate is outside them. Each run's half
   * follows its own maximum, and CPU per order falls as the rate rises, so this tells how
   * much of `cpuChangePct` is the code and how much the higher rate.
   */
  atBeforeHalfRate: { afterCpuMsPerOrder: number; cpuChangePct: number } | null;
  /** Each sweep's capacity at the latency objective (orders/s); null for a sweep made before the search existed. */
  capacity: { before: number | null; after: number | null };
  /** Each target, met or not, for this pair's "after" sweep. */
  met: { p99: boolean; p50: boolean; max: boolean; cpu: boolean; noErrorsNoneLost: boolean };
}

export interface Comparison {
  pairs: PairComparison[];
  /** Means over the pairs of CPU per order at half load, and the change between them. */
  meanCpu: { before: number; after: number; changePct: number };
}

function halfOf(sweep: SweepResult): HalfLoad {
  const half = sweep.steps.find((s) => s.load_pct === 50);
  if (!half) throw new Error('a sweep without its 50 % step');
  return {
    maxPerSec: sweep.max_orders_per_sec,
    offeredPerSec: half.offered_per_sec,
    p50: half.p50_ms,
    p95: half.p95_ms,
    p99: half.p99_ms,
    cpuMsPerOrder: half.cpu_ms_per_order.total!,
    errors: sweep.steps.reduce((n, s) => n + s.errors, 0),
    lost: sweep.steps.reduce((n, s) => n + s.lost, 0),
  };
}

const changePct = (before: number, after: number) => round(((after - before) / before) * 100);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * CPU per order of a sweep at an offered rate between two of its open-loop steps: linear in
 * the logarithms of both (it falls about as 1/rate where a batch's fixed cost dominates).
 */
export function cpuAtRate(sweep: SweepResult, rate: number): number | null {
  const steps = sweep.steps.filter((s) => s.load_pct < 100).sort((a, b) => a.offered_per_sec - b.offered_per_sec);
  for (let k = 0; k + 1 < steps.length; k++) {
    const lo = steps[k]!;
    const hi = steps[k + 1]!;
    if (rate < lo.offered_per_sec || rate > hi.offered_per_sec) continue;
    const [r0, r1, c0, c1] = [lo.offered_per_sec, hi.offered_per_sec, lo.cpu_ms_per_order.total!, hi.cpu_ms_per_order.total!];
    if (r0 === r1) return c0;
    const t = Math.log(rate / r0) / Math.log(r1 / r0);
    return round(Math.exp(Math.log(c0) + t * Math.log(c1 / c0)), 2);
  }
  return null;
}

export function compareSweeps(before: readonly SweepResult[], after: readonly SweepResult[]): Comparison {
  if (before.length === 0 || before.length !== after.length) {
    throw new Error(`pairs need as many sweeps before as after (${before.length} and ${after.length})`);
  }
  const pairs = before.map((b, k): PairComparison => {
    const hb = halfOf(b);
    const ha = halfOf(after[k]!);
    const cpu = changePct(hb.cpuMsPerOrder, ha.cpuMsPerOrder);
    const sameLoad = cpuAtRate(after[k]!, hb.offeredPerSec);
    return {
      before: hb,
      after: ha,
      cpuChangePct: cpu,
      atBeforeHalfRate: sameLoad === null ? null : { afterCpuMsPerOrder: sameLoad, cpuChangePct: changePct(hb.cpuMsPerOrder, sameLoad) },
      capacity: { before: b.capacity_at_slo_per_sec ?? null, after: after[k]!.capacity_at_slo_per_sec ?? null },
      met: {
        p99: ha.p99 <= SPEED_TARGETS.p99AtHalfMs,
        p50: ha.p50 <= SPEED_TARGETS.p50AtHalfMs,
        max: ha.maxPerSec >= SPEED_TARGETS.maxOrdersPerSec,
        cpu: cpu <= SPEED_TARGETS.cpuChangeAtHalfPct,
        noErrorsNoneLost: ha.errors === 0 && ha.lost === 0,
      },
    };
  });
  const meanBefore = mean(pairs.map((p) => p.before.cpuMsPerOrder));
  const meanAfter = mean(pairs.map((p) => p.after.cpuMsPerOrder));
  return { pairs, meanCpu: { before: round(meanBefore, 2), after: round(meanAfter, 2), changePct: changePct(meanBefore, meanAfter) } };
}

const stepName = (s: SweepStep) => (s.load_pct === 100 ? 'max' : `${s.load_pct} %`);
const stepCells = (s: SweepStep | undefined) =>
  s ? [s.load_pct === 100 ? '—' : String(s.offered_per_sec), String(s.orders_per_sec), `${s.p50_ms} / ${s.p95_ms} / ${s.p99_ms}`, String(s.cpu_ms_per_order.total)] : ['', '', '', ''];
const tally = (pairs: PairComparison[], key: keyof PairComparison['met']) => `${pairs.filter((p) => p.met[key]).length} of ${pairs.length}`;
/** The targets are about one run, both phases in it: the pairs whose "after" sweep met all of them. */
const allMet = (pairs: PairComparison[]) => {
  const numbers = pairs.flatMap((p, k) => (Object.values(p.met).every(Boolean) ? [k + 1] : []));
  return `${numbers.length} of ${pairs.length}${numbers.length ? ` (pair ${numbers.join(', ')})` : ''}`;
};

/** The comparison as Markdown: each pair's steps, then the targets at half load. */
export function renderComparison(before: readonly SweepResult[], after: readonly SweepResult[], c: Comparison): string {
  const lines: string[] = [];
  before.forEach((b, k) => {
    const a = after[k]!;
    lines.push(`Pair ${k + 1}`, '');
    lines.push('| step | before: offered/s | done/s | p50 / p95 / p99 ms | CPU ms/order | after: offered/s | done/s | p50 / p95 / p99 ms | CPU ms/order |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    // Sweeps made before the fixed low-rate step existed have none: its cells stay empty.
    const low = b.low_rate ?? a.low_rate;
    if (low) lines.push(`| ${[`${low.offered_per_sec}/s`, ...stepCells(b.low_rate), ...stepCells(a.low_rate)].join(' | ')} |`);
    for (const s of b.steps) lines.push(`| ${[stepName(s), ...stepCells(s), ...stepCells(a.steps.find((x) => x.load_pct === s.load_pct))].join(' | ')} |`);
    lines.push('');
  });
  const { pairs, meanCpu } = c;
  const list = (f: (p: PairComparison) => string | number) => pairs.map(f).join(', ');
  lines.push(
    'At half of each run\'s maximum (before → after):',
    '',
    `- capacity at p99 ≤ 250 ms: ${list((p) => `${p.capacity.before ?? '—'} → ${p.capacity.after ?? '—'}`)} orders/s`,
    `- maximum: ${list((p) => `${p.before.maxPerSec} → ${p.after.maxPerSec}`)} orders/s; at least ${SPEED_TARGETS.maxOrdersPerSec}: ${tally(pairs, 'max')}`,
    `- p99: ${list((p) => `${p.before.p99} → ${p.after.p99}`)} ms; at most ${SPEED_TARGETS.p99AtHalfMs}: ${tally(pairs, 'p99')}`,
    `- p50: ${list((p) => `${p.before.p50} → ${p.after.p50}`)} ms; at most ${SPEED_TARGETS.p50AtHalfMs}: ${tally(pairs, 'p50')}`,
    `- CPU per order: ${list((p) => `${p.before.cpuMsPerOrder} → ${p.after.cpuMsPerOrder} ms (${p.cpuChangePct} %)`)}; mean ${meanCpu.before} → ${meanCpu.after} ms (${meanCpu.changePct} %); ${SPEED_TARGETS.cpuChangeAtHalfPct} % or less: ${tally(pairs, 'cpu')}`,
    `- no errors and nothing lost in any step: ${tally(pairs, 'noErrorsNoneLost')}`,
    `- every one of these in the same sweep: ${allMet(pairs)}`,
    '',
    'At one load, the "before" run\'s half rate (the "after" run\'s CPU interpolated between its steps):',
    '',
    `- CPU per order: ${list((p) => (p.atBeforeHalfRate ? `${p.before.offeredPerSec}/s: ${p.before.cpuMsPerOrder} → ${p.atBeforeHalfRate.afterCpuMsPerOrder} ms (${p.atBeforeHalfRate.cpuChangePct} %)` : `${p.before.offeredPerSec}/s: outside the after run's steps`))}`,
  );
  return `${lines.join('\n')}\n`;
}

export interface CompareArgs {
  before: string[];
  after: string[];
  json: boolean;
  /** A folder to keep the comparison in (records.ts), with the commits compared. */
  record: { dir: string; beforeCommit: string; afterCommit: string } | null;
}

/** `--before f… --after f… [--json] [--record DIR --commits B A]`; a mistake throws one line. */
export function parseCompareArgs(argv: readonly string[]): CompareArgs {
  const lists: Record<'before' | 'after' | 'commits', string[]> = { before: [], after: [], commits: [] };
  let into: keyof typeof lists | null = null;
  let json = false;
  let dir: string | null = null;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    if (arg === '--before' || arg === '--after' || arg === '--commits') into = arg.slice(2) as keyof typeof lists;
    else if (arg === '--json') json = true;
    else if (arg === '--record') {
      dir = argv[++k] ?? null;
      if (!dir || dir.startsWith('--')) throw new Error('--record needs a folder');
      into = null;
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else if (into) lists[into].push(arg);
    else throw new Error(`${arg}: name --before or --after first`);
  }
  const { before, after, commits } = lists;
  if (before.length === 0 || before.length !== after.length) {
    throw new Error(`give as many --before sweeps as --after sweeps, at least one (${before.length} and ${after.length})`);
  }
  if ((dir === null) !== (commits.length === 0) || (dir !== null && commits.length !== 2)) {
    throw new Error('--record DIR goes with --commits BEFORE AFTER, the two commits compared');
  }
  return { before, after, json, record: dir === null ? null : { dir, beforeCommit: commits[0]!, afterCommit: commits[1]! } };
}

/** The comparison as kept: the sweeps themselves, so any report can be made from them again. */
export function compareRecord(args: CompareArgs, before: SweepResult[], after: SweepResult[], date: string): CompareRecord {
  const { beforeCommit, afterCommit } = args.record!;
  return {
    date,
    command: `npm run bench:compare -- ${beforeCommit.slice(0, 7)} ${before.length}`,
    before_commit: beforeCommit,
    after_commit: afterCommit,
    before,
    after,
  };
}

if (require.main === module) {
  let args: CompareArgs;
  try {
    args = parseCompareArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(
      `compare: ${(error as Error).message}\nusage: node tests/dist/bench/compare.js --before B.json… --after A.json… [--json] [--record DIR --commits B A]\n`,
    );
    process.exit(2);
  }
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as SweepResult;
  const before = args.before.map(read);
  const after = args.after.map(read);
  const comparison = compareSweeps(before, after);
  if (args.record) keepRecord('compare', compareRecord(args, before, after, today()), args.record.dir);
  process.stdout.write(args.json ? `${JSON.stringify(comparison)}\n` : renderComparison(before, after, comparison));
}
