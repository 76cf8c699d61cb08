import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import type { Message, Producer } from 'kafkajs';
import { EVENT_TYPE_HEADER } from '@orders/contracts';
import type { ServiceMetrics } from '@orders/platform';
import { contextOfTraceparent, endFailed, headersOf, messagingSpan } from '@orders/platform';
import type { OutboxMessage } from './outbox-rows.js';

/**
 * Sends outbox rows to Kafka, grouped by topic, acknowledged by every in-sync replica; each
 * row that carries a trace gets a `publish` span, the parent of the consumer's `process`.
 */
export class RelaySender {
  constructor(
    private readonly producer: Producer,
    private readonly topicPrefix: string,
    private readonly metrics: ServiceMetrics | undefined,
  ) {}

  async send(rows: readonly OutboxMessage[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    const spans: Span[] = [];
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      const headers: Record<string, string> = { [EVENT_TYPE_HEADER]: row.type };
      if (row.traceContext) {
        const span = this.publishSpan(row);
        spans.push(span);
        Object.assign(headers, headersOf(trace.setSpan(ROOT_CONTEXT, span)));
      }
      messages.push({ key: row.key, value: row.envelope, headers });
      byTopic.set(row.topic, messages);
    }
    try {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: this.topicPrefix + topic, messages })),
      });
    } catch (error) {
      endFailed(spans, error);
      throw error;
    }
    for (const span of spans) span.end();
    this.metrics?.outboxPublished.inc(rows.length);
    this.metrics?.outboxBatchSize.observe(rows.length);
  }

  /** A span from the outbox row's trace to the send's acknowledgement. */
  private publishSpan(row: OutboxMessage): Span {
    return messagingSpan(
      'publish',
      row.type,
      { 'messaging.destination.name': this.topicPrefix + row.topic, 'messaging.kafka.message.key': row.key },
      contextOfTraceparent(row.traceContext),
    );
  }
}
