import type { Admin, Kafka } from 'kafkajs';

/**
 * A readiness probe for the broker: a live metadata round trip on one kept connection.
 * Checks asked for while one runs share it, so however many /readyz arrive at once (during
 * an outage too) the process holds at most one admin client.
 */
export class KafkaHealth {
  private admin: Admin | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly kafka: Kafka) {}

  check(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const admin = (this.admin ??= this.kafka.admin({ retry: { retries: 0 } }));
    try {
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      if (brokers.length === 0) throw new Error('no brokers');
    } catch (error) {
      this.admin = null;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.admin?.disconnect();
    this.admin = null;
  }
}
