import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { dlqTopic } from '@orders/contracts';
import type { Logger, ServiceMetrics } from '@orders/platform';
import type { DeadLetterStore } from './dead-letter-store.js';

export interface DeadLetterSource {
  topic: string;
  partition: number;
  groupId: string;
}

/** The headers a dead-lettered message carries: its own, the error, and where it came from. */
export function deadLetterHeaders(message: KafkaMessage, error: unknown, source: DeadLetterSource, at = new Date()): IHeaders {
  const err = error instanceof Error ? error : new Error(String(error));
  const details = (err as { details?: unknown }).details;
  return {
    ...message.headers,
    'dlq-error': err.message,
    'dlq-error-type': err.name,
    ...(details === undefined ? {} : { 'dlq-error-details': JSON.stringify(details) }),
    'dlq-source-topic': source.topic,
    'dlq-source-partition': String(source.partition),
    'dlq-source-offset': message.offset,
    'dlq-consumer-group': source.groupId,
    'dlq-failed-at': at.toISOString(),
  };
}

/**
 * Keeps messages that cannot be processed in the service's database (DeadLetterStore: what
 * an operator lists and replays), counts them (`dead_letters_total`) and publishes them to
 * `<topic>.dlq`, as they came (key and value) with the error in headers. Retries until both
 * took it: a message is only skipped once it is safely kept.
 */
export class DeadLetterQueue {
  constructor(
    private readonly producer: Producer,
    private readonly groupId: string,
    private readonly logger: Logger,
    private readonly store?: DeadLetterStore,
    private readonly metrics?: ServiceMetrics,
  ) {}

  async send(
    source: { topic: string; partition: number },
    message: KafkaMessage,
    error: unknown,
    /** Waits before the next attempt; throws to give up (the consumer is stopping). */
    wait: (attempt: number) => Promise<void>,
  ): Promise<void> {
    const headers = deadLetterHeaders(message, error, { ...source, groupId: this.groupId });
    this.logger.error(
      { topic: source.topic, partition: source.partition, offset: message.offset, error: headers['dlq-error'] },
      'message dead-lettered',
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store?.record(source, message, String(headers['dlq-error']));
        await this.producer.send({ topic: dlqTopic(source.topic), acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
        this.metrics?.deadLetters.inc({ topic: source.topic });
        return;
      } catch (sendError) {
        this.logger.warn({ err: sendError, attempt }, 'could not keep the dead letter; retrying');
        await wait(attempt);
      }
    }
  }
}
