import { stringify } from 'yaml';

/** One Prometheus alerting rule (the rule-file format). */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string };
}

/**
 * What an operator of the system is called for: work that stopped moving without anyone
 * seeing it. Each expression reads metrics the services export (a test parses each with
 * Prometheus' own PromQL grammar and checks every metric against the services' registry).
 */
export const ALERT_RULES: AlertRule[] = [
  {
    alert: 'OrdersDeadLetters',
    expr: 'sum by (service, topic) (increase(dead_letters_total[15m])) > 0',
    labels: { severity: 'warning' },
    annotations: {
      summary: '{{ $labels.service }} could not apply messages of {{ $labels.topic }}',
      description: 'Kept as dead letters: list them with GET /dead-letters (an operator), fix the cause, then POST /dead-letters/{id}/replay.',
    },
  },
  {
    alert: 'OrdersCompensationStalled',
    expr: 'sum by (service) (increase(saga_compensations_stalled_total[1h])) > 0',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'A cancellation was never compensated',
      description: 'GET /orders?status=CANCEL_STALLED lists the orders; the dead letters of payment and inventory usually say why.',
    },
  },
  {
    alert: 'OrdersEventsRetried',
    expr: 'sum by (service, topic) (rate(kafka_handler_retries_total{kind="failure"}[10m])) > 0.1',
    for: '10m',
    labels: { severity: 'warning' },
    annotations: {
      summary: '{{ $labels.service }} keeps retrying events of {{ $labels.topic }}',
      description: 'Handlers fail and are retried; what still fails after the retries becomes a dead letter.',
    },
  },
  {
    alert: 'OrdersConsumerLagging',
    expr: 'min by (service, topic) (min_over_time(kafka_consumer_group_lag[10m])) > 1000',
    labels: { severity: 'warning' },
    annotations: {
      summary: '{{ $labels.service }} has not caught up with {{ $labels.topic }} for 10 minutes',
      description: 'More than 1,000 messages stayed uncommitted by its consumer group all along: the consumer is stuck, stopped or slower than what arrives. Its log, its retries and its readiness say which.',
    },
  },
  {
    alert: 'OrdersRequestsRefused',
    expr: 'sum by (service, route) (rate(http_requests_refused_total[5m])) > 0',
    for: '5m',
    labels: { severity: 'warning' },
    annotations: {
      summary: '{{ $labels.service }} refuses requests to {{ $labels.route }} (503 SERVICE_BUSY)',
      description: 'A bound is reached (route admission: the requests in flight; /orders: the orders waiting for their commit): more arrives than the service completes.',
    },
  },
];

/** The rule file the stack ships (ConfigMap `orders-alert-rules`, key `orders.rules.yaml`). */
export const alertRulesFile = (): string => stringify({ groups: [{ name: 'orders', rules: ALERT_RULES }] });
