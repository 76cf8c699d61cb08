import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProfileRecord } from './profile.js';
import { profileTable } from './record-tables.js';
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
    for (const kind of ['sweep', 'compare', 'chaos', 'footprint', 'overload', 'profile'] as const) assert.ok(newestRecord(kind, BENCHMARKS_DIR), kind);
  });

  it("shows a profile as each process's CPU per order, its largest parts and its writes, then PostgreSQL's rows per order", () => {
    const record: ProfileRecord = {
      date: '2026-12-07',
      command: 'npm run bench:profile -- --rate 700 --duration 60 --record',
      rate_per_sec: 700,
      duration_s: 60,
      batch_interval_ms: 30,
      orders_per_sec: 699.1,
      p99_ms: 358,
      services: {
        order: {
          cpu_ms_per_order: 0.67,
          groups: [
            { group: '(native)', ms_per_order: 0.188 },
            { group: 'pkg:kafkajs', ms_per_order: 0.063 },
            { group: 'node:_http_server', ms_per_order: 0.004 },
          ],
          functions: [],
        },
      },
      infra: {
        postgres: { cpu_ms_per_order: 0.61, parts: [{ part: 'backend: order', ms_per_order: 0.268 }] },
        kafka: { cpu_ms_per_order: 0.28, parts: [{ part: 'data-plane-kafk', ms_per_order: 0.146 }] },
      },
      writes_per_order: { order: { calls: 1.2, bytes: 3101 }, postgres: { calls: 1.45, bytes: 24672 } },
      postgres_work: {
        tables: [{ table: 'order.outbox', inserted: 1, updated: 0, deleted: 1.01 }],
        wal: { records: 63.4, bytes: 8738, writes: 0.17, syncs: 0.17 },
        commits: 0.18,
      },
    };
    const table = profileTable(record);
    assert.match(table, /BATCH_INTERVAL_MS 30: 699\.1 orders\/s completed, p99 358 ms/);
    assert.match(table, /\| order \| 0\.67 \| \(native\) 0\.19, pkg:kafkajs 0\.06 \| 1\.2 \/ 3,101 \|/);
    assert.match(table, /\| postgres \| 0\.61 \| backend: order 0\.27 \| 1\.45 \/ 24,672 \|/);
    assert.match(table, /\| kafka \| 0\.28 \| data-plane-kafk 0\.15 \| — \|/);
    assert.match(table, /0\.18 commits, 0\.17 WAL syncs, 63\.4 WAL records \(8,738 bytes\); .*order\.outbox \+1 −1\.01\./);
    assert.doesNotMatch(table, /_http_server/, 'parts under 0.01 ms are left out');
  });
});
