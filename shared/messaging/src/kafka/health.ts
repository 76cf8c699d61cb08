import type { Admin, Kafka } from 'kafkajs';

/** A readiness probe for the broker: a live metadata round trip on a kept connection. */
export class KafkaHealth {
  private admin: Admin | null = null;

  constructor(private readonly kafka: Kafka) {}

  async check(): Promise<void> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      this.admin = admin;
    }
    try {
      const { brokers } = await this.admin.describeCluster();
      if (brokers.length === 0) throw new Error('no brokers');
    } catch (error) {
      const admin = this.admin;
      this.admin = null;
      await admin?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = null;
  }
}
