import { performance } from 'node:perf_hooks';

/** The starts of a repeated piece of work, spaced at least `intervalMs` apart. */
export class Pace {
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  /** Milliseconds until the next start is due; zero or less: now. */
  wait(): number {
    return this.lastStart + this.intervalMs - performance.now();
  }

  /** Notes a start, now. */
  started(): void {
    this.lastStart = performance.now();
  }
}
