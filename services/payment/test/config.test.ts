import { expect } from 'chai';
import { ConfigError } from '@orders/platform';
import { loadPaymentConfig } from '../src/config.js';

describe('payment: configuration', function () {
  it('defaults to port 3002 and its own database, demo data off', function () {
    const config = loadPaymentConfig({});
    expect(config.http.port).to.equal(3002);
    expect(config.db.database).to.equal('payment_service');
    expect(config.demoSeed).to.equal(false);
  });

  it('names a bad DEMO_SEED', function () {
    expect(() => loadPaymentConfig({ DEMO_SEED: 'maybe' })).to.throw(ConfigError, /DEMO_SEED must be true or false/);
  });
});
