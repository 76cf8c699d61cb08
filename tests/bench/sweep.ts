/**
 * The latency-against-load sweep (`npm run bench -- --sweep`): the maximum end-to-end rate
 * in a closed loop, then open-loop steps at LOW_RATE_PER_SEC and at fractions of the
 * maximum, then the search for the capacity at the latency objective (capacity.ts) with
 * longer steps, all on one running system, so the steps are comparable. Writes
 * docs/benchmarks/<date>.json and .svg (the chart, the capacity marked).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalSystem } from '../support/system.js';
import { benchSystemEnv, cpuMeterOf, plannedWarmUp, runBenchmark, type BenchOptions, type BenchResult } from './bench.js';
import { bracket, nextProbeRate, OBJECTIVE } from './capacity.js';
import { latencyChart } from './chart.js';
import { printTable, round } from './options.js';
import { BENCHMARKS_DIR } from './records.js';

export const SWEEP_STEPS_PCT = [10, 25, 50, 75, 90];
/**
 * One fixed rate besides the fractions of the maximum: what an order costs and how long it
 * takes when it travels about alone, as in a demo or a quiet shop (the fractions start at
 * hundreds a second on this machine).
 */
export const LOW_RATE_PER_SEC = 10;
const ROOT = path.resolve(__dirname, '..', '..', '..');
/** Between steps the system is left alone until it uses less than this much CPU (ms per s)… */
const QUIET_CPU_MS_PER_S = 400;
/** …or for at most this long. */
const QUIET_TIMEOUT_MS = 90_000;

/**
 * Waits until the system is about idle again: the step before leaves work behind (PostgreSQL
 * vacuums and analyzes the rows it wrote), which would otherwise be charged to the next step.
 */
async function waitForQuiet(system: LocalSystem): Promise<number> {
  const started = Date.now();
  const meter = cpuMeterOf(system);
  while (Date.now() - started < QUIET_TIMEOUT_MS) {
    meter.begin();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = meter.end();
    if (used.total! - used.load_generator! < QUIET_CPU_MS_PER_S) break;
  }
  return (Date.now() - started) / 1000;
}

export interface SweepStep {
  load_pct: number;
  offered_per_sec: number;
  orders_per_sec: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  errors: number;
  lost: number;
  cpu_ms_per_order: Record<string, number>;
  /** Absent from sweeps made before it was added. */
  footprint?: BenchResult['footprint'];
  hops: BenchResult['hops'];
  /** Absent from sweeps made before it was added, which bench:compare still reads. */
  consumers?: BenchResult['consumers'];
}

export interface SweepResult extends BenchResult {
  max_orders_per_sec: number;
  half_rate: number;
  p50_at_half_ms: number;
  p99_at_half_ms: number;
  steps: SweepStep[];
  /**
   * The open-loop step at LOW_RATE_PER_SEC; its `load_pct` is that rate's share of the
   * maximum. Absent from sweeps made before it was added, which bench:compare still reads.
   */
  low_rate?: SweepStep;
  /**
   * The highest open-loop rate that met the objective (p99 ≤ 250 ms, ≥ 99 % completed, no
   * errors, nothing lost) in a probe of `capacity_search.probe_seconds`; 0 when none did.
   * Absent from sweeps made before it was added.
   */
  capacity_at_slo_per_sec?: number;
  capacity_search?: {
    objective: { p99_ms: number; completed_share: number };
    probe_seconds: number;
    warmup_seconds: number;
    /** In the order they ran; `load_pct` is the rate's share of the maximum. */
    probes: SweepStep[];
    /** The probe at the capacity, and the lowest above it that missed the objective (null: none did). */
    met: SweepStep | null;
    missed: SweepStep | null;
  };
  files: { json: string; chart: string };
}

const step = (loadPct: number, offered: number, r: BenchResult): SweepStep => ({
  load_pct: loadPct,
  offered_per_sec: offered,
  orders_per_sec: r.orders_per_sec,
  p50_ms: r.p50_ms,
  p95_ms: r.p95_ms,
  p99_ms: r.p99_ms,
  errors: r.errors,
  lost: r.lost,
  cpu_ms_per_order: r.cpu_ms_per_order,
  footprint: r.footprint,
  hops: r.hops,
  consumers: r.consumers,
});

export async function runSweep(options: BenchOptions, resultsDir = BENCHMARKS_DIR): Promise<SweepResult> {
  const log = (line: string) => options.quiet || process.stderr.write(`[sweep] ${line}\n`);
  const system = await LocalSystem.start({
    env: benchSystemEnv({ KAFKA_TOPIC_PARTITIONS: String(options.partitions) }),
  });
  try {
    const quiet = { ...options, quiet: true };
    const warmup = plannedWarmUp(options.warmup);
    const still = warmup > options.warmup ? ' (the broker still compiles its hot paths)' : '';
    log(`maximum: ${options.concurrency} in flight for ${options.duration} s, after ${warmup} s of warm-up${still}`);
    const max = await runBenchmark({ ...quiet, rate: 0 }, system);
    const steps: SweepStep[] = [step(100, 0, max)];
    log(`maximum ${max.orders_per_sec} orders/s end to end, p99 ${max.p99_ms} ms`);
    // The fractions: the system is warm from the maximum's run. The capacity probes: each after the same warm-up at its rate.
    const openLoop = async (name: string, rate: number, duration = options.duration, warmup = 0): Promise<BenchResult> => {
      log(`quiet after ${(await waitForQuiet(system)).toFixed(0)} s`);
      log(`${name}: ${rate} orders/s open loop for ${duration} s${warmup > 0 ? ` after ${warmup} s of warm-up` : ''}`);
      const r = await runBenchmark({ ...quiet, rate, duration, commitProbe: 0, warmup }, system);
      log(`${name}: ${r.orders_per_sec} orders/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, CPU ${r.cpu_ms_per_order.total} ms/order`);
      return r;
    };
    const pctOf = (rate: number) => round((rate / max.orders_per_sec) * 100, 2);
    const low = step(pctOf(LOW_RATE_PER_SEC), LOW_RATE_PER_SEC, await openLoop(`${LOW_RATE_PER_SEC}/s`, LOW_RATE_PER_SEC));
    for (const pct of SWEEP_STEPS_PCT) {
      const rate = Math.max(1, Math.round((max.orders_per_sec * pct) / 100));
      steps.push(step(pct, rate, await openLoop(`${pct} %`, rate)));
    }
    const plan = {
      hints: [low, ...steps.slice(1)],
      maxPerSec: max.orders_per_sec,
      resolution: Math.max(10, Math.round(max.orders_per_sec * 0.025)),
      maxProbes: options.probes,
    };
    const probes: SweepStep[] = [];
    for (let rate = nextProbeRate(plan, probes); rate !== null; rate = nextProbeRate(plan, probes)) {
      probes.push(step(pctOf(rate), rate, await openLoop(`capacity probe`, rate, options.probeDuration, options.warmup)));
    }
    const { met, missed } = bracket(probes);
    const capacity = met?.offered_per_sec ?? 0;
    log(`capacity at the objective: ${capacity} orders/s (${probes.length} probes of ${options.probeDuration} s)`);
    const half = steps.find((s) => s.load_pct === 50)!;
    const date = new Date().toISOString().slice(0, 10);
    mkdirSync(resultsDir, { recursive: true });
    const files = { json: path.join(resultsDir, `${date}.json`), chart: path.join(resultsDir, `${date}.svg`) };
    const ordered = [...steps].sort((a, b) => a.load_pct - b.load_pct);
    // The open-loop steps: the closed-loop maximum has no offered rate.
    const openSteps = [low, ...ordered.filter((s) => s.load_pct < 100), ...probes].sort((a, b) => a.offered_per_sec - b.offered_per_sec);
    const chart = await latencyChart(
      openSteps.map((s) => ({ offeredPerSec: s.offered_per_sec, p50: Math.max(1, s.p50_ms), p95: Math.max(1, s.p95_ms), p99: Math.max(1, s.p99_ms) })),
      `Latency against load, ${date} (2-core VM, everything on one machine)`,
      { capacityPerSec: capacity, objectiveMs: OBJECTIVE.p99Ms },
    );
    const result: SweepResult = {
      ...max,
      max_orders_per_sec: max.orders_per_sec,
      half_rate: half.offered_per_sec,
      p50_at_half_ms: half.p50_ms,
      p99_at_half_ms: half.p99_ms,
      steps: ordered,
      low_rate: low,
      capacity_at_slo_per_sec: capacity,
      capacity_search: {
        objective: { p99_ms: OBJECTIVE.p99Ms, completed_share: OBJECTIVE.completedShare },
        probe_seconds: options.probeDuration,
        warmup_seconds: options.warmup,
        probes,
        met,
        missed,
      },
      files: { json: path.relative(ROOT, files.json), chart: path.relative(ROOT, files.chart) },
    };
    writeFileSync(files.json, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(files.chart, chart);
    if (!options.quiet) {
      const out = options.json ? process.stderr : process.stdout;
      out.write('\nsweep: latency against load\n');
      printTable(
        out,
        [low, ...ordered].map((s): [string, string] => [
          s === low ? `${LOW_RATE_PER_SEC}/s offered` : s.load_pct === 100 ? `max (${options.concurrency} in flight)` : `${s.load_pct} % (${s.offered_per_sec}/s offered)`,
          `${s.orders_per_sec} orders/s, p50 ${s.p50_ms} ms, p95 ${s.p95_ms} ms, p99 ${s.p99_ms} ms, CPU ${s.cpu_ms_per_order.total} ms/order, errors ${s.errors}, lost ${s.lost}`,
        ]),
      );
      const verdict = (s: SweepStep) => `${s.offered_per_sec}/s: ${s.orders_per_sec} completed, p99 ${s.p99_ms} ms`;
      out.write(`\ncapacity at the objective (p99 ≤ ${OBJECTIVE.p99Ms} ms, ≥ ${OBJECTIVE.completedShare * 100} % completed, ${options.probeDuration} s steps): ${capacity} orders/s\n`);
      printTable(out, probes.map((s): [string, string] => [`probe ${s.offered_per_sec}/s`, `${s.orders_per_sec} orders/s, p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms, errors ${s.errors}, lost ${s.lost}`]));
      out.write(`  met: ${met ? verdict(met) : 'none'}; missed above it: ${missed ? verdict(missed) : 'none'}\n`);
      out.write(`  written: ${result.files.json}, ${result.files.chart}\n`);
    }
    return result;
  } finally {
    await system.stop();
  }
}
