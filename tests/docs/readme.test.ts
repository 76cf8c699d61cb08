import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { README, readmeTables, withTables } from './readme-tables.js';

describe('README tables come from the one declaration of each setting', function () {
  it('the environment and stack settings tables are as the declarations give them (npm run docs rewrites them)', function () {
    const readme = readFileSync(README, 'utf8');
    expect(withTables(readme) === readme, 'README.md tables are stale: run npm run docs').to.equal(true);
    const tables = readmeTables();
    expect(tables['service-settings']).to.include('| `CONSUMER_CONCURRENCY` | `64` |');
    expect(tables['own-settings']).to.include('| `SAGA_TIMEOUT_MS` | `30000` |');
    expect(tables['stack-settings']).to.include('| `orderDbPassword` | string | secret, unset |');
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
