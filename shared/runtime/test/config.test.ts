import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { commonSettings, loadServiceConfig, serviceDefaults } from '../src/service-config.js';
import { ConfigError, env as parse, readSettings, setting } from '@orders/platform';

const service = serviceDefaults({ serviceName: 'order-service', httpPort: 3001, database: 'order_service' });
const read = (env: NodeJS.ProcessEnv) => readSettings(commonSettings, env, service);
const problemsOf = (env: NodeJS.ProcessEnv) => {
  try {
    read(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
};

describe('typed configuration from the environment', function () {
  it('fills defaults and parses types', function () {
    const config = read({ KAFKA_BROKERS: 'a:9092, b:9093', DB_POOL_MAX: '20' });
    expect(config.http.port).to.equal(3001);
    expect(config.kafka.brokers).to.deep.equal(['a:9092', 'b:9093']);
    expect(config.db.poolMax).to.equal(20);
    expect(config.db.database).to.equal('order_service');
  });

  it('names every bad variable and why', function () {
    const message = problemsOf({ HTTP_PORT: 'eighty', DB_POOL_MAX: '0', KAFKA_BROKERS: 'no-port', LOG_LEVEL: 'loud' });
    expect(message).to.match(/HTTP_PORT must be an integer \(got "eighty"\)/);
    expect(message).to.match(/DB_POOL_MAX must be >= 1/);
    expect(message).to.match(/KAFKA_BROKERS must be a comma-separated list of host:port/);
    expect(message).to.match(/LOG_LEVEL must be one of fatal, error/);
  });

  it('reports a required variable that is missing', function () {
    expect(() => readSettings(commonSettings, {})).to.throw(ConfigError, /HTTP_PORT is required but not set/);
  });

  it('never echoes a secret value', function () {
    const message = problemsOf({ DB_PASSWORD: undefined, HTTP_PORT: '99999' });
    expect(message).to.match(/HTTP_PORT must be <= 65535/);
    const shape = { token: setting('API_TOKEN', parse.port(), undefined, 'a token') };
    expect(() => readSettings(shape, { API_TOKEN: 's3cr3t-value' })).to.throw(ConfigError).that.satisfies(
      (e: Error) => !e.message.includes('s3cr3t-value') && e.message.includes('API_TOKEN'),
    );
  });

  it('stops a process at start with exit 2 and the variable named', function () {
    const fixture = path.join(__dirname, 'fixtures', 'config-process.js');
    const result = spawnSync(process.execPath, [fixture], {
      env: { ...process.env, HTTP_PORT: '70000', KAFKA_BROKERS: 'x' },
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/HTTP_PORT must be <= 65535/);
    expect(result.stderr).to.match(/KAFKA_BROKERS/);
    expect(result.stdout).to.not.include('started');
  });
});

describe('retention settings', function () {
  const service = { serviceName: 'x-service', httpPort: 3000, database: 'x' };

  it('keep processed-event ids longer than the topics keep events by default', function () {
    const config = loadServiceConfig(service, {}, {});
    expect(config.retention.inboxMs).to.be.greaterThan(config.kafka.topicRetentionMs);
  });

  it('refuse to start when processed-event ids would go before the events can', function () {
    expect(() => loadServiceConfig(service, {}, { INBOX_RETENTION_MS: '604800000' })).to.throw(ConfigError, /INBOX_RETENTION_MS .* must be longer than KAFKA_TOPIC_RETENTION_MS/);
    expect(() => loadServiceConfig(service, {}, { KAFKA_TOPIC_RETENTION_MS: '864000000' })).to.throw(ConfigError, /must be longer/);
    expect(loadServiceConfig(service, {}, { KAFKA_TOPIC_RETENTION_MS: '3600000', INBOX_RETENTION_MS: '7200000' }).retention.inboxMs).to.equal(7200000);
  });
});
