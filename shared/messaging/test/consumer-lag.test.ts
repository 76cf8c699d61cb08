import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createMetrics } from '@orders/platform';
import { silentLogger, testKafka, TEST_TOPIC_PREFIX } from '@orders/testing';
import { consumerLagWorker, groupLag } from '../src/kafka/consumer-lag.js';
import { SharedAdmin } from '../src/kafka/shared-admin.js';

describe('consumer lag, read from the broker (real Kafka)', function () {
  this.timeout(60000);
  const kafka = testKafka('lag-test');
  const admin = new SharedAdmin(kafka);
  const topic = `${TEST_TOPIC_PREFIX}lag-${randomUUID().slice(0, 8)}`;
  const groupId = `${TEST_TOPIC_PREFIX}lag-group-${randomUUID().slice(0, 8)}`;

  before(async function () {
    await admin.use((a) => a.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true }));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 7 }, (_, i) => ({ partition: i % 2, value: `m${i}` })) });
    await producer.disconnect();
  });
  after(async function () {
    await admin.use((a) => a.deleteTopics({ topics: [topic] })).catch(() => undefined);
    await admin.close();
  });

  it('counts every message of a group that committed nothing, then what is left after its commits, per topic', async function () {
    const lag = () => admin.use((a) => groupLag(a, groupId, [topic]));
    expect((await lag()).get(topic)).to.equal(7);
    // Partition 0 holds 4 messages (offsets 0-3), partition 1 holds 3.
    await admin.use((a) => a.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] }));
    expect((await lag()).get(topic)).to.equal(1 + 3);
    await admin.use((a) => a.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '3' }] }));
    expect((await lag()).get(topic)).to.equal(0);
  });

  it('sets kafka_consumer_group_lag{topic} each time it runs', async function () {
    await admin.use((a) => a.setOffsets({ groupId, topic, partitions: [{ partition: 1, offset: '1' }] }));
    const metrics = createMetrics('lag-test');
    const worker = consumerLagWorker(admin, groupId, [topic], metrics, silentLogger, 60_000);
    worker.start();
    await worker.stop();
    const value = async () => (await metrics.consumerLag.get()).values.find((v) => v.labels.topic === topic)?.value;
    expect(await value()).to.equal(2);
  });
});
