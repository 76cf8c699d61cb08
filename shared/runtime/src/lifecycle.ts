import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '@orders/platform';

type StopStep = { name: string; stop: () => Promise<void> };

/**
 * Start-up and graceful shutdown of one service process. On SIGTERM or SIGINT readiness
 * turns 503 at once while the server keeps answering for `drainMs` (time for Kubernetes
 * to take the pod out of its endpoints and for clients holding a connection to notice);
 * then the listener closes, in-flight requests finish, the stop steps run in order
 * (consumers commit and leave their group, the relay publishes its batch, connections
 * close) and the process exits 0. Past `timeoutMs` after the drain it exits 1.
 */
export class ServiceLifecycle {
  private readonly steps: StopStep[] = [];
  private server: Server | null = null;
  private shuttingDown: Promise<void> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly timing: { drainMs: number; timeoutMs: number },
  ) {}

  get accepting(): boolean {
    return this.shuttingDown === null;
  }

  /** Steps run in the order they were added. */
  onStop(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  listen(app: Express, host: string, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = app.listen(port, host, (error?: Error) => {
        if (error) reject(error);
        else resolve(server);
      });
      server.keepAliveTimeout = 5000;
      server.headersTimeout = 10000;
      server.requestTimeout = 30000;
      this.server = server;
    });
  }

  handleSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        this.logger.info({ signal, drainMs: this.timing.drainMs }, 'shutting down');
        const timer = setTimeout(() => {
          this.logger.error(this.timing, 'shutdown timed out');
          exit(1);
        }, this.timing.drainMs + this.timing.timeoutMs);
        timer.unref();
        this.shutdown().then(
          () => exit(0),
          (error: unknown) => {
            this.logger.error({ err: error }, 'shutdown failed');
            exit(1);
          },
        );
      });
    }
  }

  shutdown(): Promise<void> {
    this.shuttingDown ??= this.runShutdown();
    return this.shuttingDown;
  }

  private async runShutdown(): Promise<void> {
    const server = this.server;
    if (server && this.timing.drainMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.timing.drainMs));
      this.logger.info('drained');
    }
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets turn idle as their last response ends; close them as they do.
      const reaper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      await closed;
      clearInterval(reaper);
      this.logger.info('http server closed');
    }
    let failed: unknown = null;
    for (const step of this.steps) {
      try {
        await step.stop();
        this.logger.info({ step: step.name }, 'stopped');
      } catch (error) {
        failed ??= error;
        this.logger.error({ err: error, step: step.name }, 'stop step failed');
      }
    }
    this.logger.info('shutdown complete');
    if (failed) throw failed;
  }
}
