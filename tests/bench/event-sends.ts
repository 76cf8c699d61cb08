/** When each order's saga events were sent to Kafka: the timestamps the relays' producer gave them. */
import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { EVENT_TYPE_HEADER, type EventType } from '@orders/contracts';
import { settlesWithin } from '@orders/platform';
import { endOffsets, testKafka } from '@orders/testing';

const READ_TIMEOUT_MS = 60_000;

interface PartitionToRead {
  topic: string;
  partition: number;
  /** The first offset sent at `since` or later. */
  from: string;
  /** The last offset when the read began. */
  last: bigint;
}

/**
 * Reads `topics` from the first message sent at `since` or later to their ends (as they
 * stand when it starts) and gives, per event type of `types`, the send time of each order's
 * event whose key is in `orderIds`. A consumer group of its own seeks to those offsets once
 * it runs, so nothing before `since` is read.
 */
export async function eventSendTimes(
  topics: readonly string[],
  since: number,
  types: readonly EventType[],
  orderIds: ReadonlySet<string>,
): Promise<Map<EventType, Map<string, number>>> {
  const kafka = testKafka('bench-event-sends');
  const groupId = `bench-event-sends-${randomUUID()}`;
  const times = new Map(types.map((t) => [t, new Map<string, number>()]));
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10000, heartbeatInterval: 1000 });
  try {
    const toRead = await partitionsSince(admin, topics, since);
    if (toRead.length === 0) return times;
    const left = new Map(toRead.map((p) => [`${p.topic}|${p.partition}`, p.last]));
    let allRead = () => {};
    const done = new Promise<void>((resolve) => (allRead = resolve));
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics] });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const type = message.headers?.[EVENT_TYPE_HEADER]?.toString() as EventType | undefined;
          const key = message.key?.toString();
          if (type && key && orderIds.has(key)) times.get(type)?.set(key, Number(message.timestamp));
        }
        const at = `${batch.topic}|${batch.partition}`;
        const last = left.get(at);
        if (last !== undefined && BigInt(batch.lastOffset()) >= last) left.delete(at);
        if (left.size === 0) allRead();
      },
    });
    // A new group starts at the end; a seek takes effect with the next fetch.
    for (const { topic, partition, from } of toRead) consumer.seek({ topic, partition, offset: from });
    if (!(await settlesWithin(done, READ_TIMEOUT_MS))) {
      throw new Error(`event send times: ${left.size} partitions not read to their end in ${READ_TIMEOUT_MS} ms`);
    }
    return times;
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The partitions of `topics` holding messages sent at `since` or later. */
async function partitionsSince(admin: Admin, topics: readonly string[], since: number): Promise<PartitionToRead[]> {
  const partitions: PartitionToRead[] = [];
  for (const topic of topics) {
    const starts = new Map((await admin.fetchTopicOffsetsByTimestamp(topic, since)).map((s) => [s.partition, BigInt(s.offset)]));
    for (const [partition, high] of await endOffsets(admin, topic)) {
      const from = starts.get(partition);
      if (from !== undefined && from >= 0n && from < high) partitions.push({ topic, partition, from: from.toString(), last: high - 1n });
    }
  }
  return partitions;
}
