import { expect } from 'chai';
import { FUZZ_DEFAULTS, runFuzz } from '../bench/fuzz.js';

describe('HTTP fuzzing, short seeded run (full run: npm run fuzz)', function () {
  this.timeout(240000);

  it('1,000 generated requests over every endpoint and field: no answer ≥ 500, invariants hold afterwards', async function () {
    const result = await runFuzz({ ...FUZZ_DEFAULTS, requests: 1000, seed: 7, quiet: true });
    expect(result.requests).to.equal(1000);
    expect(result.examples_5xx).to.deep.equal([]);
    expect(result.responses_5xx).to.equal(0);
    expect(result.violations).to.deep.equal([]);
    // The run reached the saga and the error paths, not only one kind of answer.
    expect(result.by_status['202']).to.be.greaterThan(50);
    expect(result.by_status['400']).to.be.greaterThan(100);
    // Answers stay small whatever was sent (the largest is a page of a list), and the report says what each service held.
    expect(result.largest_response.bytes).to.be.within(1, 64 * 1024);
    for (const service of ['order', 'payment', 'inventory'] as const) expect(result.peak_mib[service], service).to.be.greaterThan(20);
  });
});
