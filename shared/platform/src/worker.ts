import type { Logger } from './logger.js';

/** A background loop of a service (the saga sweeper, the pruner). */
export interface Worker {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` (and once at start, when asked), never two passes at once.
 * A failing pass is logged and tried again at the next tick; `stop` waits for the pass in
 * progress.
 */
export class PeriodicWorker implements Worker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; runAtStart?: boolean },
    private readonly pass: () => Promise<void>,
  ) {}

  start(): void {
    const tick = () => {
      this.running ??= this.pass()
        .catch((error: unknown) => this.logger.warn({ err: error, worker: this.name }, `${this.name} failed; will retry`))
        .finally(() => (this.running = null));
    };
    this.timer = setInterval(tick, this.options.intervalMs);
    if (this.options.runAtStart) tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
