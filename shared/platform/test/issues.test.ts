import { expect } from 'chai';
import { z } from 'zod';
import { describeIssues, MAX_ISSUES } from '../src/issues.js';

describe('validation problems as an answer lists them (pure)', function () {
  it('lists the first problems, each path and message cut short, then how many more there were', function () {
    const schema = z.strictObject(Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, z.number()])));
    const result = schema.safeParse(Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, 'text'])));
    const issues = describeIssues(result.error!);
    expect(issues).to.have.length(MAX_ISSUES + 1);
    expect(issues[0]).to.deep.equal({ path: 'f0', message: 'Invalid input: expected number, received string' });
    expect(issues.at(-1)).to.deep.equal({ path: '(more)', message: '15 more problems' });
  });

  it('cuts a message that echoes the input (unknown keys) to 200 characters, and lists few problems whole', function () {
    const keys = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`unknown_key_${i}`, i]));
    const issues = describeIssues(z.strictObject({}).safeParse(keys).error!);
    expect(issues).to.have.length(1);
    expect(issues[0]!.message.length).to.equal(200);
    expect(issues[0]!.message.endsWith('…')).to.equal(true);
    const one = describeIssues(z.strictObject({ a: z.number() }).safeParse({ a: 'x' }).error!);
    expect(one).to.deep.equal([{ path: 'a', message: 'Invalid input: expected number, received string' }]);
  });
});
