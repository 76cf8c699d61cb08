import { randomUUID } from 'node:crypto';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { positionGroupAtEnd, waitFor } from './infra.js';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

/**
 * Reads what is written to topics from the moment it is created on (earlier messages
 * are skipped), with a consumer group of its own, so tests see only their own traffic.
 */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, topics: string[]): Promise<TopicReader> {
    const groupId = `test-reader-${randomUUID()}`;
    await positionGroupAtEnd(kafka, groupId, topics);
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 100 });
    const reader = new TopicReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        reader.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: headersToStrings(message.headers),
        });
      },
    });
    return reader;
  }

  /** Parsed JSON values of the messages on `topic` (non-JSON ones are skipped). */
  values(topic?: string): Array<Record<string, any>> {
    return this.messages
      .filter((m) => topic === undefined || m.topic === topic)
      .flatMap((m) => {
        try {
          return [JSON.parse(m.value ?? '')];
        } catch {
          return [];
        }
      });
  }

  async waitForCount(predicate: (m: ReadMessage) => boolean, count: number, timeoutMs = 20000): Promise<ReadMessage[]> {
    return waitFor(`${count} matching messages`, async () => {
      const found = this.messages.filter(predicate);
      return found.length >= count ? found : undefined;
    }, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
