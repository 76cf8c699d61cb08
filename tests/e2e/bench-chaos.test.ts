import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { BENCH_DEFAULTS, runBenchmark } from '../bench/bench.js';
import { CHAOS_DEFAULTS, runChaos } from '../bench/chaos.js';
import { LOW_RATE_PER_SEC, runSweep, SWEEP_STEPS_PCT } from '../bench/sweep.js';
import { LocalSystem } from '../support/system.js';

describe('benchmark and chaos, short runs (regressions fail CI; full runs: npm run bench / npm run chaos)', function () {
  this.timeout(300000);

  it('bench, chaos and fuzz answer --help with their options, and a wrong option with one line and exit 2', function () {
    for (const tool of ['bench', 'chaos', 'fuzz']) {
      const script = path.join(__dirname, '..', 'bench', `${tool}.js`);
      const help = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8', timeout: 30000 });
      expect(help.status, `${tool} --help`).to.equal(0);
      expect(help.stdout).to.match(new RegExp(`^usage: npm run ${tool} -- \\[options\\]`));
      expect(help.stdout).to.match(/\n {2}--[a-z-]+ N +\(default \d+\)\n/);
      const wrong = spawnSync(process.execPath, [script, '--bogus'], { encoding: 'utf8', timeout: 30000 });
      expect(wrong.status, `${tool} --bogus`).to.equal(2);
      expect(wrong.stderr.split('\n')[0]).to.equal(`${tool}: unknown option --bogus`);
      expect(wrong.stderr).to.not.match(/\n\s+at /); // no stack trace
    }
  });

  it('bench: every accepted order reaches a terminal state; the report has every field; the warm-up is not measured', async function () {
    const system = await LocalSystem.start({ env: { LOG_LEVEL: 'warn' } });
    let result;
    let stored: { status: string; n: string }[];
    try {
      result = await runBenchmark({ ...BENCH_DEFAULTS, duration: 3, warmup: 1, concurrency: 16, commitProbe: 1, memory: true, quiet: true }, system);
      stored = await system.db('order')('orders').select('status').count({ n: '*' }).groupBy('status');
    } finally {
      await system.stop();
    }
    // Every order placed, warm-up included, is terminal; the warm-up's are in no figure.
    expect(result.warmup_orders).to.be.greaterThan(10);
    expect(stored.filter((r) => !['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(r.status))).to.deep.equal([]);
    expect(stored.reduce((sum, r) => sum + Number(r.n), 0)).to.equal(result.warmup_orders + result.orders);
    expect(Object.keys(result)).to.deep.equal([
      'orders',
      'orders_per_sec',
      'accepted_per_sec',
      'p50_ms',
      'p95_ms',
      'p99_ms',
      'errors',
      'lost',
      'pg_commit_limit_tps',
      'commits_per_order',
      'limit_ratio',
      'cpu_ms_per_order',
      'footprint',
      'hops',
      'consumers',
      'warmup_orders',
    ]);
    // CPU is read from the OS for every process of the system and the load generator.
    expect(Object.keys(result.cpu_ms_per_order)).to.deep.equal(['order', 'payment', 'inventory', 'kafka', 'zookeeper', 'postgres', 'load_generator', 'total']);
    for (const name of ['order', 'payment', 'inventory', 'kafka', 'postgres']) expect(result.cpu_ms_per_order[name], name).to.be.greaterThan(0);
    // Memory is read for the same groups: every process of the system holds some.
    expect(Object.keys(result.footprint)).to.deep.equal(['order', 'payment', 'inventory', 'kafka', 'zookeeper', 'postgres', 'load_generator']);
    for (const name of ['order', 'payment', 'inventory', 'kafka', 'postgres']) {
      expect(result.footprint[name]!.peak_mib, name).to.be.greaterThan(20);
      expect(result.footprint[name]!.millicores, name).to.be.greaterThan(0);
    }
    expect(Object.keys(result.hops)).to.have.length(3);
    // Each hop split at the send of the event that carries it on: both sides read (above 0)
    // and neither longer than the hop (an event of another hop would be).
    for (const [name, hop] of Object.entries(result.hops)) {
      expect(Object.keys(hop), name).to.deep.equal(['p50_ms', 'p99_ms', 'to_send_p50_ms', 'from_send_p50_ms']);
      expect(hop.to_send_p50_ms, `${name}: up to the send`).to.be.greaterThan(0).and.at.most(hop.p50_ms + 1);
      expect(hop.from_send_p50_ms, `${name}: after the send`).to.be.greaterThan(0).and.at.most(hop.p50_ms + 1);
    }
    // Each consumer's counters are read over the measured window only: every order confirms,
    // so the order service and inventory apply two events per order and payment one; counters
    // read since the start would add the warm-up's events.
    const perOrder = { order: 2, payment: 1, inventory: 2 };
    expect(Object.keys(result.consumers)).to.deep.equal(Object.keys(perOrder));
    for (const [service, c] of Object.entries(result.consumers)) {
      expect(Object.keys(c), service).to.deep.equal(['transactions_per_sec', 'messages_per_transaction', 'messages_per_order', 'transaction_ms', 'busy_share']);
      const expected = perOrder[service as keyof typeof perOrder];
      expect(c.messages_per_order, `${service}: messages per order`).to.be.within(expected * 0.85, expected * 1.15);
      expect(c.messages_per_transaction, service).to.be.at.least(1);
      expect(c.transaction_ms, service).to.be.greaterThan(0);
      expect(c.busy_share, service).to.be.greaterThan(0).and.at.most(1);
    }
    expect(result.orders).to.be.greaterThan(50);
    expect(result.lost).to.equal(0);
    expect(result.errors).to.equal(0);
    expect(result.p50_ms).to.be.at.most(result.p95_ms);
    expect(result.p95_ms).to.be.at.most(result.p99_ms);
    expect(result.pg_commit_limit_tps).to.be.greaterThan(100);
    // Group commit and batched consumers bring it well under the ~12 a one-by-one saga needs.
    expect(result.commits_per_order).to.be.within(0.1, 12);
    expect(result.limit_ratio).to.be.within(0, 1);
  });

  it('bench --sweep: the maximum, every step, the capacity search with its probes, the figures at half load, written as JSON and a chart that marks the capacity', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'sweep-'));
    try {
      const result = await runSweep({ ...BENCH_DEFAULTS, duration: 2, warmup: 1, concurrency: 16, commitProbe: 1, probeDuration: 2, probes: 2, quiet: true }, dir);
      expect(result.steps.map((s) => s.load_pct)).to.deep.equal([...SWEEP_STEPS_PCT, 100]);
      expect(result.max_orders_per_sec).to.be.greaterThan(20);
      const half = result.steps.find((s) => s.load_pct === 50)!;
      expect(result.half_rate).to.equal(half.offered_per_sec);
      expect([result.p50_at_half_ms, result.p99_at_half_ms]).to.deep.equal([half.p50_ms, half.p99_ms]);
      for (const s of result.steps) {
        expect(s.lost, `${s.load_pct} %`).to.equal(0);
        expect(s.cpu_ms_per_order.total, `${s.load_pct} %`).to.be.greaterThan(0);
      }
      // The fixed low rate, besides the fractions: what an order costs when it travels about alone.
      const low = result.low_rate!;
      expect([low.offered_per_sec, low.lost, low.errors]).to.deep.equal([LOW_RATE_PER_SEC, 0, 0]);
      expect(low.orders_per_sec).to.be.within(LOW_RATE_PER_SEC / 2, LOW_RATE_PER_SEC * 1.1);
      expect(low.cpu_ms_per_order.total).to.be.greaterThan(0);
      expect(low.load_pct).to.be.within(0.01, 10);
      // The capacity search: its probes (2 here), the capacity the highest that met the objective.
      const search = result.capacity_search!;
      expect(search.probes).to.have.length(2);
      expect(search.probe_seconds).to.equal(2);
      expect(search.objective).to.deep.equal({ p99_ms: 250, completed_share: 0.99 });
      expect(result.capacity_at_slo_per_sec).to.equal(search.met?.offered_per_sec ?? 0);
      for (const p of search.probes) expect(p.lost, `probe ${p.offered_per_sec}/s`).to.equal(0);
      const written = JSON.parse(readFileSync(path.join(dir, path.basename(result.files.json)), 'utf8'));
      expect(written.capacity_at_slo_per_sec).to.equal(result.capacity_at_slo_per_sec);
      expect(written.steps).to.have.length(6);
      expect(written.low_rate.offered_per_sec).to.equal(LOW_RATE_PER_SEC);
      const svg = readFileSync(path.join(dir, path.basename(result.files.chart)), 'utf8');
      expect(svg).to.match(/^<svg /);
      for (const label of ['p50', 'p95', 'p99', 'offered load (orders/s)', 'capacity at p99 ≤ 250 ms']) expect(svg).to.include(label);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('chaos: every fault of npm run chaos once, shorter: nothing lost, no invariant broken, a killed service replaced within 8 s', async function () {
    const result = await runChaos({ ...CHAOS_DEFAULTS, killRounds: 1, rate: 30, freezeSeconds: 6, refuseSeconds: 4, burst: 300, quiet: true });
    expect(result.results.map((r) => `${r.fault}: ${r.ok ? 'ok' : r.detail}`)).to.deep.equal(
      result.results.map((r) => `${r.fault}: ok`),
    );
    expect(result.faults).to.equal(14);
    expect(result.orders).to.be.greaterThan(100);
    expect(result.lost).to.equal(0);
    expect(result.violations).to.deep.equal([]);
    expect(result.invariant_violations).to.equal(0);
    // The consumer session timeout bounds it (4.5 s); 8 s leaves room for a slow machine.
    for (const r of result.results.filter((x) => x.fault.startsWith('SIGKILL'))) expect(r.recovery_s, r.fault).to.be.at.most(8);
  });
});
