/** What the benchmark reads from the running system besides latency: per-hop times and batch sizes. */
import { TOPICS, type EventType } from '@orders/contracts';
import type { LocalSystem } from '../support/system.js';
import { SERVICES, type ServiceName } from '../support/system.js';
import { eventSendTimes } from './event-sends.js';
import { percentile, round } from './options.js';

/** A saga hop's p50 and p99, and the p50 of its two sides: up to the send of the event that carries it on, and after. */
export interface HopFigures {
  hop: string;
  p50: number;
  p99: number;
  toSendP50: number;
  fromSendP50: number;
}

/**
 * Where the time goes for confirmed orders, from the timestamps each service writes in its
 * transaction (its start in inventory and payment, when the order service plays the event):
 * order placed → stock reserved → payment captured → order confirmed (each hop includes
 * the outbox relay, Kafka and the next consumer). Each hop is also split at the Kafka
 * timestamp of the event that carries it on (`OrderCreated`, `InventoryReserved`,
 * `PaymentCompleted`), which the relay's producer sets when it sends: before it, the
 * transaction and the relay; after it, the broker, the fetch and the next consumer's turn.
 * `since`: when the orders were first placed (the events are read from there on).
 */
export async function sagaHops(system: LocalSystem, ids: string[], since: number): Promise<HopFigures[]> {
  const sample = ids.slice(0, 20000);
  /** Per timestamp column, the time of each sampled order. */
  const times = async <C extends string>(
    service: 'order' | 'inventory' | 'payment',
    table: string,
    idColumn: string,
    columns: C[],
    where = '',
  ): Promise<Record<C, Map<string, number>>> => {
    const byColumn = Object.fromEntries(columns.map((c) => [c, new Map<string, number>()])) as Record<C, Map<string, number>>;
    for (let i = 0; i < sample.length; i += 5000) {
      const { rows } = await system.db(service).raw<{ rows: ({ order_id: string } & Record<C, Date>)[] }>(
        `select ${idColumn}::text as order_id, ${columns.join(', ')} from ${table} where ${idColumn} = any(?::uuid[]) ${where}`,
        [sample.slice(i, i + 5000)],
      );
      for (const row of rows) for (const c of columns) byColumn[c].set(row.order_id, row[c].getTime());
    }
    return byColumn;
  };
  const { created_at: placed, updated_at: confirmed } = await times(
    'order',
    'orders',
    'id',
    ['created_at', 'updated_at'],
    "and status = 'CONFIRMED'",
  );
  const { created_at: reserved } = await times('inventory', 'reservations', 'order_id', ['created_at']);
  const { created_at: charged } = await times('payment', 'payments', 'order_id', ['created_at']);
  const carriers: EventType[] = ['OrderCreated', 'InventoryReserved', 'PaymentCompleted'];
  const topics = Object.values(TOPICS).map((t) => system.topicPrefix + t);
  const sent = await eventSendTimes(topics, since, carriers, new Set(sample));
  const durations = (from: Map<string, number>, to: Map<string, number>) =>
    [...from].filter(([id]) => to.has(id)).map(([id, t]) => to.get(id)! - t).sort((a, b) => a - b);
  const hop = (name: string, from: Map<string, number>, carrier: EventType, to: Map<string, number>): HopFigures => {
    const whole = durations(from, to);
    const at = sent.get(carrier)!;
    return {
      hop: name,
      p50: percentile(whole, 50),
      p99: percentile(whole, 99),
      toSendP50: percentile(durations(from, at), 50),
      fromSendP50: percentile(durations(at, to), 50),
    };
  };
  return [
    hop('placed → reserved', placed, 'OrderCreated', reserved),
    hop('reserved → charged', reserved, 'InventoryReserved', charged),
    hop('charged → confirmed', charged, 'PaymentCompleted', confirmed),
  ];
}

/** A service's counters, read from its /metrics before and after a phase of the bench. */
export interface StageCounters {
  transactions: number;
  messages: number;
  transactionSeconds: number;
  relayBatches: number;
  relayEvents: number;
}

/** What a service's consumer did during a phase. */
export interface ConsumerFigures {
  transactions_per_sec: number;
  messages_per_transaction: number;
  /** Messages its transactions applied per order placed in the phase (2 for order and inventory, 1 for payment when every order confirms). */
  messages_per_order: number;
  /** Mean wall time of a transaction, from taking a connection until it ends. */
  transaction_ms: number;
  /** Share of the phase the consumer spent in transactions (near 1: it is what bounds the stage, not BATCH_INTERVAL_MS). */
  busy_share: number;
}

export type ServiceCounters = Record<ServiceName, StageCounters>;

/** Each service's consumer and relay counters (cumulative since it started). */
export async function stageCounters(system: LocalSystem): Promise<ServiceCounters> {
  const read = async (service: ServiceName): Promise<[ServiceName, StageCounters]> => {
    const text = await (await fetch(`${system.url(service)}/metrics`)).text();
    const sum = (name: string) =>
      [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].reduce((acc, m) => acc + Number(m[1]), 0);
    return [
      service,
      {
        transactions: sum('kafka_consumer_transaction_messages_count'),
        messages: sum('kafka_consumer_transaction_messages_sum'),
        transactionSeconds: sum('kafka_consumer_transaction_seconds_sum'),
        relayBatches: sum('outbox_publish_batch_events_count'),
        relayEvents: sum('outbox_publish_batch_events_sum'),
      },
    ];
  };
  return Object.fromEntries(await Promise.all(SERVICES.map(read))) as ServiceCounters;
}

/** Each consumer's figures between two readings `seconds` apart with `orders` placed, and the mean relay batch over the three services. */
export function stageFigures(before: ServiceCounters, after: ServiceCounters, seconds: number, orders: number) {
  const delta = (s: ServiceName, k: keyof StageCounters) => after[s][k] - before[s][k];
  const consumers = Object.fromEntries(
    SERVICES.map((s): [ServiceName, ConsumerFigures] => {
      const transactions = delta(s, 'transactions');
      return [
        s,
        {
          transactions_per_sec: round(seconds > 0 ? transactions / seconds : 0),
          messages_per_transaction: round(transactions > 0 ? delta(s, 'messages') / transactions : 0),
          messages_per_order: round(orders > 0 ? delta(s, 'messages') / orders : 0, 2),
          transaction_ms: round(transactions > 0 ? (delta(s, 'transactionSeconds') * 1000) / transactions : 0),
          busy_share: round(seconds > 0 ? delta(s, 'transactionSeconds') / seconds : 0, 2),
        },
      ];
    }),
  ) as Record<ServiceName, ConsumerFigures>;
  const batches = SERVICES.reduce((n, s) => n + delta(s, 'relayBatches'), 0);
  const events = SERVICES.reduce((n, s) => n + delta(s, 'relayEvents'), 0);
  return { consumers, relayBatch: round(batches > 0 ? events / batches : 0) };
}
