import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { sleep } from '@orders/testing';
import { Api, TERMINAL } from '../support/api.js';
import { settledViolations } from '../support/invariants.js';
import { OrderStream } from '../support/load.js';
import { LocalSystem, SERVICES } from '../support/system.js';

describe('services killed, stopped and replicated mid-flow (real Kafka and PostgreSQL)', function () {
  this.timeout(120000);
  let system: LocalSystem;
  let api: Api;
  const customers = ['r-alice', 'r-bob', 'r-carol'];
  const skus = ['R-1', 'R-2', 'R-3', 'R-4'];

  before(async function () {
    system = await LocalSystem.start({ env: { SAGA_TIMEOUT_MS: '20000' } });
    api = new Api(system);
    for (const c of customers) await api.account(c, 10_000_000);
    for (const s of skus) await api.product(s, 100, 1_000_000);
  });

  after(async function () {
    await system?.stop();
  });

  async function underLoad(fault: () => Promise<void>): Promise<string[]> {
    const stream = new OrderStream(api, customers, skus, 15);
    await sleep(400);
    await fault();
    await sleep(400);
    await stream.stop();
    expect(stream.failures, stream.failures.slice(0, 3).join(' | ')).to.have.length(0);
    return stream.accepted;
  }

  async function expectAllSettled(accepted: string[]) {
    const violations = await settledViolations(system, 60000);
    const orders = await system.db('order')('orders').whereIn('id', accepted).select('status');
    expect(orders).to.have.length(accepted.length);
    for (const o of orders) expect(TERMINAL).to.include(o.status);
    expect(violations).to.deep.equal([]);
  }

  for (const service of SERVICES) {
    it(`${service}: SIGTERM under load exits 0 after finishing its work; nothing is lost`, async function () {
      let code: number | null = -1;
      const accepted = await underLoad(async () => {
        code = await system.stopService(service, 'SIGTERM');
        await system.startService(service);
      });
      expect(code).to.equal(0);
      expect(accepted.length).to.be.greaterThan(20);
      await expectAllSettled(accepted);
    });
  }

  for (const service of SERVICES) {
    it(`${service}: SIGKILL under load and a restart; every order terminal, invariants hold`, async function () {
      const accepted = await underLoad(async () => {
        await system.stopService(service, 'SIGKILL');
        await sleep(300);
        await system.startService(service);
      });
      expect(accepted.length).to.be.greaterThan(20);
      await expectAllSettled(accepted);
    });
  }

  it('two replicas of every service: each order charged and reserved once, events published once', async function () {
    for (const service of SERVICES) await system.startReplica(service);
    const accepted = await underLoad(async () => {
      await sleep(1500);
    });
    await expectAllSettled(accepted);
    const [payments] = await system.db('payment')('payments').whereIn('order_id', accepted).count({ n: '*' });
    const confirmed = await system.db('order')('orders').whereIn('id', accepted).where('status', 'CONFIRMED').count({ n: '*' });
    expect(Number(payments!.n)).to.equal(Number(confirmed[0]!.n));
  });

  it('a service started with a bad setting stops at once, naming it', function () {
    const main = path.resolve(__dirname, '..', '..', '..', 'services', 'order', 'dist', 'src', 'main.js');
    const result = spawnSync(process.execPath, [main, 'start'], {
      env: { ...system.env('order'), HTTP_PORT: 'eighty', SAGA_TIMEOUT_MS: '5' },
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/HTTP_PORT must be an integer/);
    expect(result.stderr).to.match(/SAGA_TIMEOUT_MS must be >= 1000/);
    const usage = spawnSync(process.execPath, [main, 'serve'], { env: system.env('order'), encoding: 'utf8', timeout: 10000 });
    expect(usage.status).to.equal(2);
    expect(usage.stderr).to.match(/usage: main\.js <command>/);
    expect(usage.stderr).to.include('unknown command: "serve"');
  });
});
