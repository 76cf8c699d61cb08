import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { BROKER_WARM_UP_S, BrokerLoadRecord, warmUpSeconds } from './broker-warmth.js';

describe('bench: the warm-up a broker that still compiles needs (broker-warmth.ts)', function () {
  const children: ChildProcess[] = [];
  after(() => children.forEach((c) => c.kill()));

  /** A stand-in for the broker: a process with these arguments, now the one the record asks about. */
  function broker(...args: string[]): void {
    const child = spawn('sh', ['-c', 'sleep 60', ...args], { stdio: 'ignore' });
    children.push(child);
  }

  it('makes a broker with the tiered JIT up to a minute of load in all, and leaves the asked warm-up otherwise', function () {
    expect(BROKER_WARM_UP_S).to.equal(60);
    expect(warmUpSeconds(5, { quickStartJit: false, servedSeconds: 0 })).to.equal(60);
    expect(warmUpSeconds(5, { quickStartJit: false, servedSeconds: 45 })).to.equal(15);
    expect(warmUpSeconds(5, { quickStartJit: false, servedSeconds: 58 })).to.equal(5);
    expect(warmUpSeconds(90, { quickStartJit: false, servedSeconds: 0 })).to.equal(90);
    expect(warmUpSeconds(5, { quickStartJit: true, servedSeconds: 0 }), 'C1 only').to.equal(5);
    expect(warmUpSeconds(0, null), 'no broker of infra.sh').to.equal(0);
  });

  it('counts the load per broker process: a restarted broker starts from zero', async function () {
    const runDir = mkdtempSync(path.join(tmpdir(), 'broker-warmth-'));
    const record = new BrokerLoadRecord(runDir, () => children.at(-1)?.pid);
    expect(record.read(), 'no broker').to.equal(null);

    broker('-Xmx64m');
    expect(record.read()).to.include({ quickStartJit: false, servedSeconds: 0 });
    record.add(20);
    record.add(45);
    expect(record.read()!.servedSeconds).to.equal(65);

    await new Promise((r) => setTimeout(r, 20)); // another start time (clock ticks of 10 ms)
    broker('-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1');
    expect(record.read()).to.include({ quickStartJit: true, servedSeconds: 0 });

    children.at(-1)!.kill();
    await new Promise((r) => children.at(-1)!.once('exit', r));
    expect(record.read(), 'the broker is gone').to.equal(null);
  });
});
