import { expect } from 'chai';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { testKafka } from '@orders/testing';
import { KafkaHealth } from '../src/kafka/health.js';
import { SharedAdmin } from '../src/kafka/shared-admin.js';

/** A client whose admin() is counted: how many were made, how many are still connected. */
function counted(kafka: Kafka) {
  const made: Admin[] = [];
  const open = new Set<Admin>();
  const admin = kafka.admin.bind(kafka);
  kafka.admin = ((config) => {
    const a = admin(config);
    made.push(a);
    const connect = a.connect.bind(a);
    const disconnect = a.disconnect.bind(a);
    a.connect = async () => {
      open.add(a);
      await connect();
    };
    a.disconnect = async () => {
      open.delete(a);
      await disconnect();
    };
    return a;
  }) as Kafka['admin'];
  return { made, open };
}

describe('Kafka readiness check: one admin client per process', function () {
  this.timeout(60000);

  it('50 checks at once while the broker cannot be reached share one client, and leave none connected', async function () {
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, connectionTimeout: 500, retry: { retries: 0 } });
    const { made, open } = counted(kafka);
    const admin = new SharedAdmin(kafka);
    const health = new KafkaHealth(admin);
    for (let round = 1; round <= 3; round++) {
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => health.check()));
      expect(results.every((r) => r.status === 'rejected'), `round ${round}`).to.equal(true);
      expect(made.length, `round ${round}: clients made`).to.equal(round);
      expect(open.size, `round ${round}: clients still connected`).to.equal(0);
    }
    await admin.close();
  });

  it('50 checks at once against the real broker pass on one kept client', async function () {
    const kafka = testKafka('health-test');
    const { made, open } = counted(kafka);
    const admin = new SharedAdmin(kafka);
    const health = new KafkaHealth(admin);
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 50 }, () => health.check()));
    expect(made.length).to.equal(1);
    expect(open.size).to.equal(1);
    await admin.close();
    expect(open.size).to.equal(0);
  });
});
