import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { README, readmeTables, shownSweep, withTables } from './readme-tables.js';

describe('README tables are written from their one source (npm run docs)', function () {
  it('the environment and stack settings tables are as the declarations give them (npm run docs rewrites them)', function () {
    const readme = readFileSync(README, 'utf8');
    expect(withTables(readme) === readme, 'README.md tables are stale: run npm run docs').to.equal(true);
    const tables = readmeTables(readme);
    expect(tables['service-settings']).to.include('| `CONSUMER_CONCURRENCY` | `64` |');
    expect(tables['own-settings']).to.include('| `SAGA_TIMEOUT_MS` | `30000` |');
    expect(tables['stack-settings']).to.include('| `orderDbPassword` | string | secret, unset |');
  });

  it('the latency table is the sweep whose chart it shows, read from that sweep\'s JSON (npm run docs rewrites it)', function () {
    const readme = readFileSync(README, 'utf8');
    const { json, sweep } = shownSweep(readme);
    expect(readme, 'the README links the JSON of the chart it shows').to.include(`](${json})`);
    const max = sweep.max_orders_per_sec.toLocaleString('en-US', { minimumFractionDigits: 1 });
    expect(readmeTables(readme)['latency-sweep']).to.include(`| max (closed loop) | — | ${max} | ${sweep.p50_ms} |`);
    // A README that shows another day's chart is stale until its table is rewritten.
    const other = readme.replace(`](${json.replace(/\.json$/, '.svg')})`, '](docs/benchmarks/2026-11-28.svg)');
    expect(withTables(other)).to.not.equal(other);
  });
});

describe('README local run', function () {
  it("places its order with the very commands scripts/test/local-smoke.sh runs in CI", function () {
    const smoke = readFileSync(path.resolve(path.dirname(README), 'scripts', 'test', 'local-smoke.sh'), 'utf8');
    const [, block] = /# --- as in the README\n([\s\S]*?)\n# ---\n/.exec(smoke) ?? [];
    expect(block, 'the marked block in local-smoke.sh').to.be.a('string').and.include('curl');
    expect(readFileSync(README, 'utf8')).to.include(block!);
  });
});
