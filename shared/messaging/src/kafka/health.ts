import type { SharedAdmin } from './shared-admin.js';

/**
 * A readiness probe for the broker: a live metadata round trip on the process's one admin
 * connection. Checks asked for while one runs share it, so however many /readyz arrive at
 * once (during an outage too) the process holds at most one admin client.
 */
export class KafkaHealth {
  private running: Promise<void> | null = null;

  constructor(private readonly admin: SharedAdmin) {}

  check(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private run(): Promise<void> {
    return this.admin.use(async (admin) => {
      const { brokers } = await admin.describeCluster();
      if (brokers.length === 0) throw new Error('no brokers');
    });
  }
}
