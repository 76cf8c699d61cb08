import assert from 'node:assert/strict';
import { sweepTable } from './sweep-table.js';
import type { SweepResult, SweepStep } from './sweep.js';

const step = (load_pct: number, offered_per_sec: number, orders_per_sec: number, p: [number, number, number], cpu: Record<string, number>) =>
  ({ load_pct, offered_per_sec, orders_per_sec, p50_ms: p[0], p95_ms: p[1], p99_ms: p[2], errors: 0, lost: 0, cpu_ms_per_order: cpu, hops: {} }) as SweepStep;

describe('the README latency table of a sweep', () => {
  const cpu = { order: 0.3, payment: 0.15, inventory: 0.2, kafka: 0.21, zookeeper: 0.02, postgres: 0.5, load_generator: 0.1, total: 1.48 };
  const steps = [step(50, 1025, 1023, [57, 111, 143], cpu), step(100, 0, 2050.5, [113, 166, 1213], { ...cpu, total: 0.94 })];

  it('gives the steps in order, the maximum last, each figure from the JSON', () => {
    const low = step(0.49, 10, 10, [22, 29, 38], { total: 34.18, kafka: 12.64, zookeeper: 0.2 });
    const table = sweepTable({ steps, low_rate: low } as unknown as SweepResult).split('\n');
    assert.equal(table.length, 5);
    assert.match(table[0]!, /^\| load \| offered\/s \| completed\/s \| p50 ms \| p95 ms \| p99 ms \| CPU ms per order: services \/ Kafka \/ PostgreSQL \/ load generator \/ total \|$/);
    assert.equal(table[2], '| 10/s | 10 | 10.0 | 22 | 29 | 38 | 0.00 / 12.84 / 0.00 / 0.00 / 34.18 |');
    assert.equal(table[3], '| 50 % | 1,025 | 1,023.0 | 57 | 111 | 143 | 0.65 / 0.23 / 0.50 / 0.10 / 1.48 |');
    assert.equal(table[4], '| max (closed loop) | — | 2,050.5 | 113 | 166 | 1,213 | 0.65 / 0.23 / 0.50 / 0.10 / 0.94 |');
  });

  it('leaves out the 10 orders/s row of a sweep made before that step existed', () => {
    const table = sweepTable({ steps } as unknown as SweepResult).split('\n');
    assert.deepEqual(
      table.slice(2).map((r) => r.split(' | ')[0]),
      ['| 50 %', '| max (closed loop)'],
    );
  });
});
