import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { LIMITS } from '@orders/contracts';
import { waitFor } from '@orders/testing';
import { Api } from '../support/api.js';
import { LocalSystem } from '../support/system.js';

const MAIN = (service: string) => path.resolve(__dirname, '..', '..', '..', 'services', service, 'dist', 'src', 'main.js');

describe('dead letters an operator can see and replay (three services, real Kafka and PostgreSQL)', function () {
  this.timeout(90000);
  let system: LocalSystem;
  let api: Api;

  before(async function () {
    system = await LocalSystem.start({ env: { COMPENSATION_RETRY_MS: '60000' } });
    api = new Api(system);
  });
  after(async function () {
    await system?.stop();
  });

  it('a refund that cannot be applied is kept and counted; listed to the operator only; after the fix, replayed once, and its saga ends CANCELLED', async function () {
    const customer = Api.unique('rich');
    const sku = Api.unique('SKU');
    await api.product(sku, 1_000, 10);
    await api.account(customer, 50_000);
    const placed = await api.placeOrder(customer, [{ sku, quantity: 1 }]);
    const id: string = placed.body.id;
    await api.waitForStatus(id, 'CONFIRMED');
    // The account fills up to its limit meanwhile: the refund of 1,000 would pass it.
    await api.account(customer, LIMITS.maxBalanceCents - 500);
    expect((await api.request('order', 'POST', `/orders/${id}/cancel`)).status).to.equal(202);

    // Payment retries the refund, then keeps it as a dead letter; the order waits in CANCELLING.
    const pending = async () => (await api.request('payment', 'GET', '/dead-letters')).body.items as { id: string; orderId: string; eventType: string; error: string; replayedAt: string | null }[];
    const letter = await waitFor('the dead letter', async () => (await pending()).find((l) => l.orderId === id), 30000, 200);
    expect(letter.eventType).to.equal('OrderCancelled');
    // Decided by the payment domain's rule (at once, no retries), not by a database constraint.
    expect(letter.error).to.include('past its limit').and.not.include('accounts_balance_limit');
    expect(letter.replayedAt).to.equal(null);
    expect((await api.order(id)).status).to.equal('CANCELLING');
    const metrics = (await api.request<string>('payment', 'GET', '/metrics')).body;
    expect(metrics).to.match(/^dead_letters_total\{topic="[^"]*order-events",service="payment-service"\} [1-9]/m);
    // Its consumer group's lag, read from the broker (measured at start, then every 15 s).
    expect(metrics).to.match(/^kafka_consumer_group_lag\{topic="[^"]*order-events",service="payment-service"\} \d+$/m);

    // Only an operator sees or replays them.
    expect((await api.as(customer).request('payment', 'GET', '/dead-letters')).status).to.equal(403);
    expect((await api.as(null).request('payment', 'POST', `/dead-letters/${letter.id}/replay`)).status).to.equal(401);

    // Replayed before the fix: it fails again and stays.
    const early = await api.request('payment', 'POST', `/dead-letters/${letter.id}/replay`);
    expect([early.status, early.body.error.code]).to.deep.equal([409, 'STILL_FAILING']);
    expect((await pending()).map((l) => l.id)).to.include(letter.id);

    // The command line lists it too.
    const listed = spawnSync(process.execPath, [MAIN('payment'), 'dead-letters', 'list'], { env: system.env('payment'), encoding: 'utf8', timeout: 30000 });
    expect(listed.status, listed.stderr).to.equal(0);
    expect(listed.stdout).to.include(`"id":"${letter.id}"`);

    // The fix: the balance lowered. The replay applies the refund, once; the saga completes.
    await api.account(customer, 10_000);
    const replayed = await api.request('payment', 'POST', `/dead-letters/${letter.id}/replay`);
    expect([replayed.status, replayed.body.outcome]).to.deep.equal([200, 'processed']);
    expect((await api.waitForStatus(id, 'CANCELLED')).reason).to.equal('CUSTOMER_REQUEST');
    expect(await api.balance(customer)).to.equal(11_000);
    expect((await pending()).map((l) => l.id)).to.not.include(letter.id);
    const again = await api.request('payment', 'POST', `/dead-letters/${letter.id}/replay`);
    expect([again.status, again.body.outcome]).to.deep.equal([200, 'duplicate']);
    expect(await api.balance(customer), 'refunded once').to.equal(11_000);
    expect((await api.request('payment', 'GET', '/dead-letters?all=true')).body.items.find((l: { id: string }) => l.id === letter.id).replayedAt).to.be.a('string');
  });
});
