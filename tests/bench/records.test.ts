import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BENCHMARKS_DIR, keepRecord, newestRecord } from './records.js';

describe('the benchmark runs kept in docs/benchmarks/', () => {
  it('keeps a record as <kind>-<date>.json and finds the newest of a kind by its date, ignoring other kinds', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'records-'));
    try {
      assert.equal(newestRecord('chaos', dir), null);
      keepRecord('chaos', { date: '2026-12-01', orders: 1 }, dir);
      keepRecord('chaos', { date: '2026-11-30', orders: 2 }, dir);
      keepRecord('footprint', { date: '2026-12-09', orders: 3 }, dir);
      writeFileSync(path.join(dir, 'chaos-latest.json'), '{}');
      writeFileSync(path.join(dir, '2026-12-05.json'), '{"date":"sweep"}');
      assert.deepEqual(newestRecord('sweep', dir), { file: '2026-12-05.json', record: { date: 'sweep' } });
      assert.deepEqual(newestRecord('chaos', dir), { file: 'chaos-2026-12-01.json', record: { date: '2026-12-01', orders: 1 } });
      // A record of the same kind and day replaces the earlier one.
      keepRecord('chaos', { date: '2026-12-01', orders: 4 }, dir);
      assert.equal(newestRecord<{ orders: number }>('chaos', dir)!.record.orders, 4);
      assert.equal(readdirSync(dir).filter((f) => f.startsWith('chaos-2026')).length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docs/benchmarks/ holds a record of each kind the docs show', () => {
    for (const kind of ['sweep', 'compare', 'chaos', 'footprint'] as const) assert.ok(newestRecord(kind, BENCHMARKS_DIR), kind);
  });
});
