import type { Admin } from 'kafkajs';
import { PeriodicWorker, type Logger, type ServiceMetrics } from '@orders/platform';
import type { SharedAdmin } from './shared-admin.js';

/** How often the lag of the service's consumer group is measured. */
export const CONSUMER_LAG_INTERVAL_MS = 15_000;

/**
 * Messages of each topic the group has not committed: per partition, the end offset less the
 * group's committed offset (nothing committed yet: less the partition's first offset still
 * kept). Read from the broker, not from the consumer, so a consumer that is stuck, stopped or
 * never joined shows its lag growing.
 */
export async function groupLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<Map<string, number>> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const lag = new Map<string, number>();
  for (const { topic, partitions } of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p]));
    let total = 0;
    for (const [partition, end] of ends) {
      const done = partitions.find((p) => p.partition === partition)?.offset ?? '-1';
      const from = Number(done) >= 0 ? Number(done) : Number(end.low);
      total += Math.max(0, Number(end.high) - from);
    }
    lag.set(topic, total);
  }
  return lag;
}

/** Sets `kafka_consumer_group_lag{topic}` every CONSUMER_LAG_INTERVAL_MS, on the process's one admin connection. */
export function consumerLagWorker(admin: SharedAdmin, groupId: string, topics: readonly string[], metrics: ServiceMetrics, logger: Logger, intervalMs = CONSUMER_LAG_INTERVAL_MS) {
  return new PeriodicWorker('consumer lag', logger, { intervalMs, runAtStart: true }, async () => {
    const lag = await admin.use((a) => groupLag(a, groupId, topics));
    for (const [topic, messages] of lag) metrics.consumerLag.set({ topic }, messages);
  });
}
