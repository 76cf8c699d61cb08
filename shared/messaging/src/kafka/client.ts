import { Kafka, logLevel as KafkaLogLevel, Partitioners, type Producer } from 'kafkajs';
import type { KafkaSettings } from '../messaging-settings.js';
import type { Logger } from '@orders/platform';
import './request-queue-timer.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

const RETRY_CAP_MS = 1000;

/** A KafkaJS client whose own logs go through the service logger (warnings and up). */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...(settings.saslUsername ? { sasl: { mechanism: 'scram-sha-512' as const, username: settings.saslUsername, password: settings.saslPassword } } : {}),
    connectionTimeout: 3000,
    requestTimeout: 30000,
    // Retries back off to at most 1 s, so a client tries a returning broker within a second.
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: RETRY_CAP_MS },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        kafkaLogger[LEVELS[level] ?? 'info'](extra, message);
      },
  });
}

/**
 * An idempotent producer (acks from all in-sync replicas, one request in flight), so a
 * retried send neither duplicates nor reorders messages of a partition. It retries
 * without limit (as idempotence requires): during a broker outage a send waits for it.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 200, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: RETRY_CAP_MS },
  });
}
