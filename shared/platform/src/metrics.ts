import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event-loop delay monitor behind `nodejs_eventloop_lag_*` samples, in ms.
 * Its timer wakes the process at this period even when idle; prom-client's 10 ms woke each
 * service a hundred times a second, about 8 ms of CPU a second per idle service here.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/** The Prometheus registry of one service process and the metrics the shared code records. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    consumerTransactionSize: new Histogram({
      name: 'kafka_consumer_transaction_messages',
      help: 'Messages applied per consumer transaction (runs of one or more partitions)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500],
      registers: [registry],
    }),
    consumerTransactionSeconds: new Histogram({
      name: 'kafka_consumer_transaction_seconds',
      help: 'Wall time of each consumer transaction that succeeds, from taking a connection until it ends; the sum over a period divided by its length is the share of that time spent in transactions',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    offsetCommitRequests: new Counter({
      name: 'kafka_consumer_offset_commit_requests_total',
      help: 'Offset commit requests sent (each commits every partition with applied messages)',
      registers: [registry],
    }),
    offsetCommits: new Counter({
      name: 'kafka_consumer_offset_commits_total',
      help: 'Partition offsets committed',
      registers: [registry],
    }),
    outboxBatchSize: new Histogram({
      name: 'outbox_publish_batch_events',
      help: 'Events published per outbox relay batch',
      buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500],
      registers: [registry],
    }),
    outboxPublished: new Counter({
      name: 'outbox_events_published_total',
      help: 'Events published from the outbox to Kafka',
      registers: [registry],
    }),
    messagesConsumed: new Counter({
      name: 'kafka_messages_consumed_total',
      help: 'Kafka messages handled by outcome (processed, duplicate, ignored, dead_lettered)',
      labelNames: ['topic', 'outcome'] as const,
      registers: [registry],
    }),
    requestsRefused: new Counter({
      name: 'http_requests_refused_total',
      help: 'Requests refused with 503 because a bounded queue was full, by route',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    handlerRetries: new Counter({
      name: 'kafka_handler_retries_total',
      help: 'Retries of failed message handlers by kind (transient, failure)',
      labelNames: ['topic', 'kind'] as const,
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'dead_letters_total',
      help: 'Messages a consumer could not apply, kept for an operator (GET /dead-letters) and sent to <topic>.dlq, by topic',
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'kafka_consumer_group_lag',
      help: "Messages of a topic its consumer group has not committed yet (the partitions' end offsets less the group's committed ones), measured every 15 s",
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
    compensationsStalled: new Counter({
      name: 'saga_compensations_stalled_total',
      help: 'Cancellations whose compensation was asked for again as often as allowed, unconfirmed: now CANCEL_STALLED, for an operator',
      registers: [registry],
    }),
  };
}

export type ServiceMetrics = ReturnType<typeof createMetrics>;
