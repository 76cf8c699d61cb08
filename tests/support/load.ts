import type { Api } from './api.js';

/**
 * Places orders at a steady pace until stopped, as a client would during a fault: a
 * refused connection or a 5xx is retried with the same Idempotency-Key, so no accepted
 * order is lost and none is created twice.
 */
export class OrderStream {
  readonly accepted: string[] = [];
  readonly failures: string[] = [];
  private running = true;
  private loop: Promise<void>;

  constructor(
    private readonly api: Api,
    private readonly customers: string[],
    private readonly skus: string[],
    intervalMs = 20,
  ) {
    this.loop = this.run(intervalMs);
  }

  private async run(intervalMs: number): Promise<void> {
    let n = 0;
    const inFlight = new Set<Promise<void>>();
    while (this.running) {
      const p = this.placeOne(n++).finally(() => inFlight.delete(p));
      inFlight.add(p);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    await Promise.all(inFlight);
  }

  private async placeOne(n: number): Promise<void> {
    const key = `stream-${process.pid}-${Date.now()}-${n}`;
    const customer = this.customers[n % this.customers.length]!;
    const sku = this.skus[n % this.skus.length]!;
    for (let attempt = 0; attempt < 200; attempt++) {
      try {
        const res = await this.api.placeOrder(customer, [{ sku, quantity: 1 }], { 'Idempotency-Key': key });
        if (res.status === 202) {
          this.accepted.push(res.body.id);
          return;
        }
        if (res.status < 500) {
          this.failures.push(`${res.status} ${JSON.stringify(res.body)}`);
          return;
        }
      } catch {
        // connection refused while the order service restarts: retry
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.failures.push(`gave up on ${key}`);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
