import { expect } from 'chai';
import { groupOf, summarizeProfile, type CpuProfile } from './profile-summary.js';

describe('CPU profile summary: self time by where the code lives', function () {
  it('groups frames by package, part of the repository, Node module or V8 bucket', function () {
    expect(groupOf('file:///app/node_modules/kafkajs/src/network/connection.js', 'send')).to.equal('pkg:kafkajs');
    expect(groupOf('file:///app/node_modules/@opentelemetry/api/build/x.js', 'f')).to.equal('pkg:@opentelemetry/api');
    expect(groupOf('file:///app/shared/messaging/dist/src/outbox/relay.js', 'f')).to.equal('repo:shared/messaging');
    expect(groupOf('file:///app/services/order/dist/src/routes.js', 'f')).to.equal('repo:services/order');
    expect(groupOf('node:internal/streams/readable', 'read')).to.equal('node:internal');
    expect(groupOf('', '(garbage collector)')).to.equal('(garbage collector)');
    expect(groupOf('', 'writev')).to.equal('(native)');
  });

  it('shares the busy time (idle left out) among groups and functions by their samples', function () {
    const frame = (id: number, functionName: string, url = '') => ({ id, callFrame: { functionName, url, lineNumber: 9 } });
    const profile: CpuProfile = {
      nodes: [frame(1, '(idle)'), frame(2, 'parse', 'file:///app/node_modules/pg-protocol/dist/parser.js'), frame(3, 'apply', 'file:///app/shared/db/dist/src/x.js'), frame(4, '(garbage collector)')],
      samples: [1, 2, 2, 3, 4, 1],
      timeDeltas: [5000, 3000, 3000, 2000, 2000, 9000],
    };
    const s = summarizeProfile(profile);
    expect(s.busyMs).to.equal(10);
    expect(s.groups).to.deep.equal([
      { group: 'pkg:pg-protocol', share: 0.6 },
      { group: 'repo:shared/db', share: 0.2 },
      { group: '(garbage collector)', share: 0.2 },
    ]);
    expect(s.functions[0]).to.deep.equal({ name: 'parse node_modules/pg-protocol/dist/parser.js:10', share: 0.6 });
  });
});
