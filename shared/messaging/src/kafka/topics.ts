import type { Kafka } from 'kafkajs';
import { ALL_TOPICS, dlqTopic } from '@orders/contracts';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries?: { name: string; value: string }[];
}

/** The saga topics and their dead-letter topics, as the topic Job and local runs create them. */
export function sagaTopicSpecs(
  partitions: number,
  replication: number,
  { prefix = '', retentionMs }: { prefix?: string; retentionMs?: number } = {},
): TopicSpec[] {
  const configEntries = [
    { name: 'min.insync.replicas', value: String(Math.min(2, replication)) },
    ...(retentionMs ? [{ name: 'retention.ms', value: String(retentionMs) }] : []),
  ];
  return ALL_TOPICS.flatMap((topic) => [
    { topic: prefix + topic, numPartitions: partitions, replicationFactor: replication, configEntries },
    { topic: prefix + dlqTopic(topic), numPartitions: 1, replicationFactor: replication, configEntries },
  ]);
}

/** Creates the missing topics and waits until their leaders are elected; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: 30000 });
    }
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}
