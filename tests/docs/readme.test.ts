import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { README, readmeTables, withTables } from './readme-tables.js';

describe('README tables come from the one declaration of each setting', function () {
  it('the environment and stack settings tables are as the declarations give them (npm run docs rewrites them)', function () {
    const readme = readFileSync(README, 'utf8');
    expect(withTables(readme) === readme, 'README.md tables are stale: run npm run docs').to.equal(true);
    const tables = readmeTables();
    expect(tables['service-settings']).to.include('| `CONSUMER_CONCURRENCY` | `6` |');
    expect(tables['own-settings']).to.include('| `SAGA_TIMEOUT_MS` | `30000` |');
    expect(tables['stack-settings']).to.include('| `orderDbPassword` | string | secret, unset |');
  });
});
