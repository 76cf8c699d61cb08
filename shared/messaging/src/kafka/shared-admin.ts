import type { Admin, Kafka } from 'kafkajs';

/**
 * One Kafka admin connection a process keeps for its checks (readiness, consumer lag):
 * made on first use, dropped and closed after a failure, made again by the next use.
 */
export class SharedAdmin {
  private admin: Admin | null = null;

  constructor(private readonly kafka: Kafka) {}

  async use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = (this.admin ??= this.kafka.admin({ retry: { retries: 0 } }));
    try {
      await admin.connect();
      return await work(admin);
    } catch (error) {
      if (this.admin === admin) this.admin = null;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = null;
  }
}
