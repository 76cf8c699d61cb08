import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from './logger.js';

type StopStep = { name: string; stop: () => Promise<void> };

/**
 * Start-up and graceful shutdown of one service process. On SIGTERM or SIGINT it stops
 * taking requests (readiness turns 503, the listener closes), lets in-flight requests
 * finish, then runs the stop steps in order (consumers commit and leave their group, the
 * relay publishes its batch, connections close) and exits 0; past the timeout it exits 1.
 */
export class ServiceLifecycle {
  private readonly steps: StopStep[] = [];
  private server: Server | null = null;
  private shuttingDown: Promise<void> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly shutdownTimeoutMs: number,
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
        this.logger.info({ signal }, 'shutting down');
        const timer = setTimeout(() => {
          this.logger.error({ timeoutMs: this.shutdownTimeoutMs }, 'shutdown timed out');
          exit(1);
        }, this.shutdownTimeoutMs);
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
