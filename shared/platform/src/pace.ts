import { performance } from 'node:perf_hooks';

/** The starts of a repeated piece of work, spaced at least `intervalMs` apart. */
export class Pace {
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  /** Milliseconds until the next start is due; zero or less: now. */
  wait(): number {
    return this.lastStart + this.intervalMs - performance.now();
  }

  /** Resolves once the next start is due. */
  async untilDue(): Promise<void> {
    // A timer may fire a fraction of a millisecond early: check again.
    for (let wait = this.wait(); wait > 0; wait = this.wait()) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
  }

  /** Notes a start, now. */
  started(): void {
    this.lastStart = performance.now();
  }
}
