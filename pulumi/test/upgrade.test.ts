import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runVariant, type Flavour, type Mode } from './support/program.js';

/**
 * The URNs of every resource of stacks deployed with the program as it was before its
 * components were regrouped (fixtures/deployed-urns.json): the engine keys a stack's state
 * by URN, so one the program no longer declares, under that URN or as an alias, would be
 * deleted and made anew by the next `pulumi up` — a StatefulSet among them.
 */
const DEPLOYED: Record<string, string[]> = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'deployed-urns.json'), 'utf8'));

/**
 * A URN as `parentType$type::name`. The engine mocks and the SDK write a parent's type
 * chain differently (the mocks keep only the parent's own type, and the stack's); the last
 * two types and the name are what identify a resource here either way.
 */
function identity(urn: string): string {
  const [, , qualified, name] = urn.split('::');
  const types = qualified!.split('$').filter((t) => t !== 'pulumi:pulumi:Stack');
  return `${types.slice(-2).join('$')}::${name}`;
}

describe('upgrades: a deployed stack keeps every resource when the program is updated', function () {
  this.timeout(120000);

  for (const [variant, urns] of Object.entries(DEPLOYED)) {
    it(`${variant}: every resource it holds is still declared, under its URN or as an alias`, async function () {
      const [flavour, mode, brokers] = variant.split('/') as [Flavour, Mode, string | undefined];
      const extra: Record<string, string> = brokers ? { kafkaBrokers: '3', serviceReplicas: '2', tracing: 'true' } : {};
      const now = await runVariant(flavour, mode, extra);
      const known = new Set(now.resources.flatMap((r) => [r.urn, ...r.aliases]).map(identity));
      expect(urns.filter((urn) => !known.has(identity(urn)))).to.deep.equal([]);
      expect(urns.length).to.be.greaterThan(90);
    });
  }

  it('the check can fail: a resource renamed without an alias is found', async function () {
    const [first] = Object.values(DEPLOYED);
    const renamed = first!.map((u) => u.replace('::kafka-zookeeper', '::kafka-zk'));
    const now = await runVariant('kind', 'zookeeper');
    const known = new Set(now.resources.flatMap((r) => [r.urn, ...r.aliases]).map(identity));
    expect(renamed.filter((urn) => !known.has(identity(urn)))).to.have.length(2);
  });
});
