import { expect } from 'chai';
import { BENCH_DEFAULTS, runBenchmark } from '../bench/bench.js';
import { CHAOS_DEFAULTS, runChaos } from '../bench/chaos.js';

describe('benchmark and chaos, short runs (regressions fail CI; full runs: npm run bench / npm run chaos)', function () {
  this.timeout(300000);

  it('bench: every accepted order reaches a terminal state; the report has every field', async function () {
    const result = await runBenchmark({ ...BENCH_DEFAULTS, duration: 3, concurrency: 16, commitProbe: 1, quiet: true });
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
    ]);
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

  it('chaos: every fault of npm run chaos once, shorter: nothing lost, no invariant broken, a killed service replaced within 10 s', async function () {
    const result = await runChaos({ ...CHAOS_DEFAULTS, killRounds: 1, rate: 30, freezeSeconds: 6, refuseSeconds: 4, burst: 300, quiet: true });
    expect(result.results.map((r) => `${r.fault}: ${r.ok ? 'ok' : r.detail}`)).to.deep.equal(
      result.results.map((r) => `${r.fault}: ok`),
    );
    expect(result.faults).to.equal(14);
    expect(result.orders).to.be.greaterThan(100);
    expect(result.lost).to.equal(0);
    expect(result.violations).to.deep.equal([]);
    expect(result.invariant_violations).to.equal(0);
    // The consumer session timeout bounds it (6 s); 10 s leaves room for a slow machine.
    for (const r of result.results.filter((x) => x.fault.startsWith('SIGKILL'))) expect(r.recovery_s, r.fault).to.be.at.most(10);
  });
});
