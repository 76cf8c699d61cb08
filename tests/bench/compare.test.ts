import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareSweeps, cpuAtRate, parseCompareArgs, renderComparison } from './compare.js';
import { type CompareRecord, newestRecord } from './records.js';
import type { SweepResult } from './sweep.js';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** A sweep whose step at `pct` % has these figures; the other steps are filler. */
function sweep(max: number, half: { p50: number; p99: number; cpu: number }, faults = { errors: 0, lost: 0 }): SweepResult {
  const step = (pct: number) => ({
    load_pct: pct,
    offered_per_sec: pct === 100 ? 0 : Math.round((max * pct) / 100),
    orders_per_sec: pct === 100 ? max : Math.round((max * pct) / 100),
    p50_ms: pct === 50 ? half.p50 : 40,
    p95_ms: pct === 50 ? half.p99 - 10 : 60,
    p99_ms: pct === 50 ? half.p99 : 80,
    errors: pct === 90 ? faults.errors : 0,
    lost: pct === 90 ? faults.lost : 0,
    cpu_ms_per_order: { total: pct === 50 ? half.cpu : 1 },
    hops: [],
  });
  return { max_orders_per_sec: max, steps: [10, 25, 50, 75, 90, 100].map(step) } as unknown as SweepResult;
}

describe('bench:compare, the report of sweeps before and after', () => {
  const before = [sweep(1400, { p50: 450, p99: 1300, cpu: 2.9 }), sweep(1420, { p50: 550, p99: 1100, cpu: 2.7 })];
  const after = [sweep(2010, { p50: 58, p99: 160, cpu: 1.7 }), sweep(1900, { p50: 70, p99: 260, cpu: 1.6 }, { errors: 0, lost: 1 })];

  it('pairs the n-th sweeps, reads each at its own half load and checks every target on the "after" sweep', () => {
    const c = compareSweeps(before, after);
    assert.deepEqual(
      c.pairs.map((p) => [p.before.offeredPerSec, p.after.offeredPerSec, p.cpuChangePct]),
      [
        [700, 1005, -41.4],
        [710, 950, -40.7],
      ],
    );
    assert.deepEqual(c.pairs[0]!.met, { p99: true, p50: true, max: true, cpu: true, noErrorsNoneLost: true });
    assert.deepEqual(c.pairs[1]!.met, { p99: false, p50: false, max: false, cpu: true, noErrorsNoneLost: false });
    assert.deepEqual(c.meanCpu, { before: 2.8, after: 1.65, changePct: -41.1 });
  });

  it("carries each sweep's capacity at the objective, and none for a sweep made before the search", () => {
    const withCapacity = { ...after[0]!, capacity_at_slo_per_sec: 1240 } as SweepResult;
    const c = compareSweeps([before[0]!], [withCapacity]);
    assert.deepEqual(c.pairs[0]!.capacity, { before: null, after: 1240 });
    assert.match(renderComparison([before[0]!], [withCapacity], c), /capacity at p99 ≤ 250 ms: — → 1240 orders\/s/);
  });

  it('reads CPU per order at another rate between two open-loop steps, log-linearly, and nowhere outside them', () => {
    const s = { steps: [[10, 200, 6], [25, 500, 3], [50, 1000, 1.7], [100, 0, 0.9]].map(([load_pct, offered_per_sec, total]) => ({ load_pct, offered_per_sec, cpu_ms_per_order: { total } })) } as unknown as SweepResult;
    assert.equal(cpuAtRate(s, 700), 2.28);
    assert.equal(cpuAtRate(s, 1000), 1.7);
    assert.equal(cpuAtRate(s, 200), 6);
    assert.equal(cpuAtRate(s, 100), null);
    assert.equal(cpuAtRate(s, 1200), null); // the closed-loop maximum is no step to read from
    const c = compareSweeps(before, after);
    assert.deepEqual(c.pairs.map((p) => p.atBeforeHalfRate), [
      { afterCpuMsPerOrder: 1.29, cpuChangePct: -55.5 },
      { afterCpuMsPerOrder: 1.31, cpuChangePct: -51.5 },
    ]);
  });

  it('a CPU change short of −40 % is not met, exactly −40 % is', () => {
    const at = (cpu: number) => compareSweeps([sweep(1400, { p50: 400, p99: 900, cpu: 2.5 })], [sweep(2000, { p50: 50, p99: 100, cpu })]).pairs[0]!.met.cpu;
    assert.equal(at(1.5), true);
    assert.equal(at(1.51), false);
  });

  it('renders each pair step by step, the targets with how many pairs met them, and the sweeps that met them all', () => {
    const text = renderComparison(before, after, compareSweeps(before, after));
    assert.match(text, /^Pair 1$/m);
    assert.match(text, /^\| 50 % \| 700 \| 700 \| 450 \/ 1290 \/ 1300 \| 2\.9 \| 1005 \| 1005 \| 58 \/ 150 \/ 160 \| 1\.7 \|$/m);
    assert.match(text, /^\| max \| — \| 1400 \| .* \| — \| 2010 \| /m);
    assert.match(text, /p99: 1300 → 160, 1100 → 260 ms; at most 250: 1 of 2/);
    assert.match(text, /mean 2\.8 → 1\.65 ms \(-41\.1 %\); -40 % or less: 2 of 2/);
    assert.match(text, /nothing lost in any step: 1 of 2/);
    // Pair 2 meets the CPU target alone: a sweep counts only when it meets every one.
    assert.match(text, /^- every one of these in the same sweep: 1 of 2 \(pair 1\)$/m);
    const none = renderComparison(after.slice(1), after.slice(1), compareSweeps(after.slice(1), after.slice(1)));
    assert.match(none, /^- every one of these in the same sweep: 0 of 1$/m);
    assert.match(text, /^- CPU per order: 700\/s: 2\.9 → 1\.29 ms \(-55\.5 %\), 710\/s: 2\.7 → 1\.31 ms \(-51\.5 %\)$/m);
    assert.doesNotMatch(text, /^\| 10\/s /m);
  });

  it('shows the fixed low-rate step first, also when only one sweep of a pair has it (the older bench had none)', () => {
    const low = { load_pct: 0.5, offered_per_sec: 10, orders_per_sec: 10, p50_ms: 31, p95_ms: 44, p99_ms: 52, errors: 0, lost: 0, cpu_ms_per_order: { total: 21.4 }, hops: {} };
    const withLow = { ...after[0]!, low_rate: low } as SweepResult;
    const text = renderComparison(before.slice(0, 1), [withLow], compareSweeps(before.slice(0, 1), [withLow]));
    const rows = text.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| step'));
    assert.equal(rows[1], '| 10/s |  |  |  |  | 10 | 10 | 31 / 44 / 52 | 21.4 |');
    assert.match(rows[2]!, /^\| 10 % \|/);
  });

  it('keeps the compared sweeps with --record, and the kept file makes the same report again', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'compare-'));
    try {
      const files = [...before, ...after].map((s, k) => {
        const file = path.join(dir, `sweep-${k}.json`);
        writeFileSync(file, JSON.stringify(s));
        return file;
      });
      const cli = path.join(ROOT, 'tests', 'dist', 'bench', 'compare.js');
      const args = ['--before', files[0]!, files[1]!, '--after', files[2]!, files[3]!, '--record', dir, '--commits', 'b'.repeat(40), 'a'.repeat(40)];
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const kept = newestRecord<CompareRecord>('compare', dir);
      assert.ok(kept, 'a compare-<date>.json in the folder');
      assert.match(kept.file, /^compare-\d{4}-\d{2}-\d{2}\.json$/);
      assert.equal(kept.record.command, 'npm run bench:compare -- bbbbbbb 2');
      assert.equal(kept.record.after_commit, 'a'.repeat(40));
      assert.equal(renderComparison(kept.record.before, kept.record.after, compareSweeps(kept.record.before, kept.record.after)), r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses pairs that do not match up, and sweeps without a half-load step', () => {
    assert.throws(() => compareSweeps(before, after.slice(1)), /as many sweeps before as after/);
    const noHalf = { ...before[0]!, steps: before[0]!.steps.filter((s) => s.load_pct !== 50) } as SweepResult;
    assert.throws(() => compareSweeps([noHalf], [after[0]!]), /without its 50 % step/);
    assert.deepEqual(parseCompareArgs(['--before', 'b1', 'b2', '--after', 'a1', 'a2', '--json']), { before: ['b1', 'b2'], after: ['a1', 'a2'], json: true, record: null });
    assert.deepEqual(parseCompareArgs(['--before', 'b1', '--after', 'a1', '--record', 'out', '--commits', 'bbb', 'aaa']).record, {
      dir: 'out',
      beforeCommit: 'bbb',
      afterCommit: 'aaa',
    });
    assert.throws(() => parseCompareArgs(['--before', 'b1', '--after', 'a1', '--record', 'out']), /--record DIR goes with --commits BEFORE AFTER/);
    assert.throws(() => parseCompareArgs(['--before', 'b1', '--after', 'a1', '--record', 'out', '--commits', 'bbb']), /--commits BEFORE AFTER/);
    assert.throws(() => parseCompareArgs(['--before', 'b1', '--after', 'a1', '--record']), /--record needs a folder/);
    assert.throws(() => parseCompareArgs(['--before', 'b1', '--after']), /as many --before sweeps as --after/);
    assert.throws(() => parseCompareArgs(['b1']), /name --before or --after first/);
    assert.throws(() => parseCompareArgs(['--before', 'b', '--after', 'a', '--fast']), /unknown option --fast/);
  });

  it('the script refuses a missing or unknown commit and a wrong number of pairs with its usage, exit 2, before it touches anything', () => {
    const run = (...args: string[]) => spawnSync('bash', [path.join(ROOT, 'scripts', 'bench-compare.sh'), ...args], { cwd: ROOT, encoding: 'utf8' });
    for (const args of [[], ['--record'], ['HEAD', '9'], ['HEAD', '2', 'more'], ['HEAD', '2', '--record', 'more']]) {
      const r = run(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /usage: npm run bench:compare -- <commit> \[pairs 1-5\] \[--record\]/);
    }
    const unknown = run('no-such-commit-anywhere');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no commit no-such-commit-anywhere in this repository/);
  });

  it("the script runs this checkout's bench once before the first sweep, so neither side meets a broker that still compiles", () => {
    const script = readFileSync(path.join(ROOT, 'scripts', 'bench-compare.sh'), 'utf8');
    const warm = script.indexOf('(cd "$ROOT" && node tests/dist/bench/bench.js --duration 5');
    const firstSweep = script.indexOf('for ((k = 1; k <= PAIRS; k++))');
    assert.ok(warm > 0 && firstSweep > 0, 'both are in the script');
    assert.ok(warm < firstSweep, 'the warm-up comes before the pairs');
    assert.ok(!script.slice(warm, script.indexOf('\n', warm)).includes('--warmup'), 'with the default warm-up, which the bench makes a minute on a cold broker');
  });
});
