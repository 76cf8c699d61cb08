/** What the benchmark reads from the running system besides latency: per-hop times and batch sizes. */
import { TOPICS, type EventType } from '@orders/contracts';
import type { LocalSystem } from '../support/system.js';
import { SERVICES } from '../support/system.js';
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
 * Where the time goes for confirmed orders, from each service's own commit timestamps:
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

/** Mean consumer run and relay batch sizes over the three services, from their /metrics. */
export async function batchingOf(system: LocalSystem): Promise<{ consumerRun: number; relayBatch: number }> {
  const totals = { runSum: 0, runCount: 0, batchSum: 0, batchCount: 0 };
  for (const service of SERVICES) {
    const text = await (await fetch(`${system.url(service)}/metrics`)).text();
    const sum = (name: string) =>
      [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].reduce((acc, m) => acc + Number(m[1]), 0);
    totals.runSum += sum('kafka_consumer_transaction_messages_sum');
    totals.runCount += sum('kafka_consumer_transaction_messages_count');
    totals.batchSum += sum('outbox_publish_batch_events_sum');
    totals.batchCount += sum('outbox_publish_batch_events_count');
  }
  return {
    consumerRun: round(totals.runCount ? totals.runSum / totals.runCount : 0),
    relayBatch: round(totals.batchCount ? totals.batchSum / totals.batchCount : 0),
  };
}
