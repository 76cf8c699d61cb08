import { expect } from 'chai';
import { Client } from 'pg';
import { createDb, pgConnection } from '../src/knex.js';
import { isTransientError } from '../src/transient.js';
import { createTestDatabase } from '@orders/testing';

describe('statement timeouts on every pg client (real PostgreSQL)', function () {
  it('the knex pool and a single client (the relay) both have a statement cancelled past DB_STATEMENT_TIMEOUT_MS, as a transient error', async function () {
    const { settings, drop } = await createTestDatabase();
    const limited = { ...settings, statementTimeoutMs: 300 };
    const db = createDb(limited, 'timeout-test');
    const client = new Client(pgConnection(limited, 'timeout-test-client'));
    try {
      await client.connect();
      for (const run of [() => db.raw('select pg_sleep(3)'), () => client.query('select pg_sleep(3)')]) {
        const started = Date.now();
        const error = await run().then(
          () => null,
          (e: Error & { code?: string }) => e,
        );
        expect(error?.code, 'query_canceled').to.equal('57014');
        expect(isTransientError(error)).to.equal(true);
        expect(Date.now() - started).to.be.lessThan(2000);
      }
      expect((await db.raw('select 1 as one')).rows[0].one, 'the pool still works').to.equal(1);
    } finally {
      await client.end();
      await db.destroy();
      await drop();
    }
  });

  it('with 0 there is no limit (what migrate uses)', function () {
    const config = pgConnection({ host: 'h', port: 1, database: 'd', user: 'u', password: '', poolMax: 1, statementTimeoutMs: 0 }, 'x');
    expect(config).to.not.have.property('statement_timeout');
    expect(config).to.not.have.property('query_timeout');
  });
});
