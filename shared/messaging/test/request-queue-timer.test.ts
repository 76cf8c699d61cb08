import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Producer } from 'kafkajs';
import { createKafka, createProducer } from '../src/kafka/client.js';
import { PATCHED_KAFKAJS_VERSION } from '../src/kafka/request-queue-timer.js';
import { ensureSagaTopics, silentLogger, sleep, testKafkaSettings, TEST_TOPIC_PREFIX } from '@orders/testing';
import { TOPICS } from '@orders/contracts';

const RequestQueue = require('kafkajs/src/network/requestQueue/index.js');

describe('KafkaJS request queue: no timer while nothing waits (real Kafka)', function () {
  let producer: Producer | undefined;
  afterEach(async () => {
    await producer?.disconnect();
    producer = undefined;
  });

  it('is the kafkajs version the replacement was read against', function () {
    const installed = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')).version;
    expect(installed, 'kafkajs changed: read its RequestQueue again before moving PATCHED_KAFKAJS_VERSION').to.equal(PATCHED_KAFKAJS_VERSION);
  });

  it('an idle connected producer checks its queue only when a request comes, not every millisecond', async function () {
    const kafka = createKafka(testKafkaSettings('request-queue-test'), silentLogger);
    await ensureSagaTopics(kafka);
    producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ topic: TEST_TOPIC_PREFIX + TOPICS.order, messages: [{ key: 'k', value: 'not an event' }] });
    const original = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
      checks++;
      return original.call(this);
    };
    try {
      await sleep(500);
    } finally {
      RequestQueue.prototype.checkPendingRequests = original;
    }
    // Unpatched, each connection re-arms a 1 ms check: several hundred in half a second.
    expect(checks, 'queue checks in 500 ms of idling').to.be.at.most(5);
  });

  it('still sends a request held back by a throttle once the throttle ends', async function () {
    const kafka = createKafka(testKafkaSettings('request-queue-throttle-test'), silentLogger);
    producer = createProducer(kafka);
    await producer.connect();
    const queues: { throttledUntil: number }[] = [];
    const original = RequestQueue.prototype.push;
    RequestQueue.prototype.push = function (this: { throttledUntil: number }, request: unknown) {
      if (!queues.includes(this)) queues.push(this);
      return original.call(this, request);
    };
    try {
      await producer.send({ topic: TEST_TOPIC_PREFIX + TOPICS.order, messages: [{ key: 'k', value: 'first' }] });
      for (const queue of queues) queue.throttledUntil = Date.now() + 300; // as a broker's throttle_time_ms sets it
      const started = Date.now();
      await producer.send({ topic: TEST_TOPIC_PREFIX + TOPICS.order, messages: [{ key: 'k', value: 'second' }] });
      expect(Date.now() - started, 'the send waited for the throttle, then went').to.be.within(250, 3000);
    } finally {
      RequestQueue.prototype.push = original;
    }
  });
});
