import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  BENCHMARKS,
  CONFIGURATION,
  README,
  readmeTables,
  settingsTables,
  shownSweep,
  withBenchmarkTables,
  withOperationsTables,
  OPERATIONS,
  SECURITY,
  withSecurityTables,
  withReadmeTables,
  withSettingsTables,
} from './doc-tables.js';

describe('generated tables are written from their one source (npm run docs)', function () {
  it('docs/configuration.md holds the environment and stack settings as the declarations give them', function () {
    const text = readFileSync(CONFIGURATION, 'utf8');
    expect(withSettingsTables(text) === text, 'docs/configuration.md tables are stale: run npm run docs').to.equal(true);
    const tables = settingsTables();
    expect(tables['service-settings']).to.include('| `CONSUMER_CONCURRENCY` | `64` |');
    expect(tables['own-settings']).to.include('| `SAGA_TIMEOUT_MS` | `30000` |');
    expect(tables['stack-settings']).to.include('| `orderDbPassword` | string | secret, unset |');
  });

  it("the README's latency table is the sweep whose chart it shows, read from that sweep's JSON", function () {
    const readme = readFileSync(README, 'utf8');
    expect(withReadmeTables(readme) === readme, 'README.md tables are stale: run npm run docs').to.equal(true);
    const { json, sweep } = shownSweep(readme);
    expect(readme, 'the README links the JSON of the chart it shows').to.include(`](${json})`);
    const max = sweep.max_orders_per_sec.toLocaleString('en-US', { minimumFractionDigits: 1 });
    expect(readmeTables(readme)['latency-sweep']).to.include(`| max (closed loop) | — | ${max} | ${sweep.p50_ms} |`);
    // A README that shows another day's chart is stale until its table is rewritten.
    const other = readme.replace(`](${json.replace(/\.json$/, '.svg')})`, '](docs/benchmarks/2026-11-28.svg)');
    expect(withReadmeTables(other)).to.not.equal(other);
  });
});

describe('docs/operations.md shows the newest overload runs', function () {
  it('its table is that of the newest kept overload record (npm run docs rewrites it)', function () {
    const text = readFileSync(OPERATIONS, 'utf8');
    expect(withOperationsTables(text) === text, 'docs/operations.md table is stale: run npm run docs').to.equal(true);
    expect(text).to.match(/\| 8,192 connections, 3 × max, the default bound \| [\d,]+ \| [\d,]+ \([\d,]+\/s\) \| [\d,]+ \| [\d,]+ \|/);
  });
});

describe('docs/benchmarks.md shows the newest kept runs', function () {
  it('its comparison, chaos, footprint and profile tables are those of the newest JSON of each kind (npm run docs rewrites them)', function () {
    const text = readFileSync(BENCHMARKS, 'utf8');
    expect(withBenchmarkTables(text) === text, 'docs/benchmarks.md tables are stale: run npm run docs').to.equal(true);
    expect(text).to.match(/\| 1 \| (—|[\d,]+) → (—|[\d,]+) \| [\d,.]+ \| [\d,]+, \d+ \/ [\d,]+, [\d.]+ \|/, 'a pair: the capacities, then at half load');
    expect(text).to.include('| SIGKILL order #1 |');
    expect(text).to.match(/\| kafka \| \d+ \| \d+ \|/);
    expect(text).to.match(/\| postgres \| [\d.]+ \| backend: order [\d.]+/, 'the profile splits PostgreSQL by database');
  });
});

describe('README local run', function () {
  it('places its order with the very commands scripts/test/local-smoke.sh runs in CI', function () {
    const smoke = readFileSync(path.resolve(path.dirname(README), 'scripts', 'test', 'local-smoke.sh'), 'utf8');
    const [, block] = /# --- as in the README\n([\s\S]*?)\n# ---\n/.exec(smoke) ?? [];
    expect(block, 'the marked block in local-smoke.sh').to.be.a('string').and.include('curl');
    expect(readFileSync(README, 'utf8')).to.include(block!);
  });
});

describe('docs/security.md shows who may call each operation', function () {
  it('its table is generated from the OpenAPI documents (npm run docs rewrites it)', function () {
    const text = readFileSync(SECURITY, 'utf8');
    expect(withSecurityTables(text) === text, 'docs/security.md table is stale: run npm run docs').to.equal(true);
    expect(text).to.include('| payment | `PUT /accounts/{customerId}` | 401 | 403 | yes |');
  });
});
