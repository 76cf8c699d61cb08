/** What the benchmark reads from the running system besides latency: per-hop times and batch sizes. */
import type { LocalSystem } from '../support/system.js';
import { SERVICES } from '../support/system.js';
import { percentile, round } from './options.js';

/**
 * Where the time goes for confirmed orders, from each service's own commit timestamps:
 * order placed → stock reserved → payment captured → order confirmed (each hop includes
 * the outbox relay, Kafka and the next consumer).
 */
export async function sagaHops(system: LocalSystem, ids: string[]): Promise<[string, number, number][]> {
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
  const hop = (name: string, from: Map<string, number>, to: Map<string, number>): [string, number, number] => {
    const d = [...from].filter(([id]) => to.has(id)).map(([id, t]) => to.get(id)! - t).sort((a, b) => a - b);
    return [name, percentile(d, 50), percentile(d, 99)];
  };
  return [
    hop('placed → reserved', placed, reserved),
    hop('reserved → charged', reserved, charged),
    hop('charged → confirmed', charged, confirmed),
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
