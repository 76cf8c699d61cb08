// First: with tracing on, http, express and pg must be patched before they are loaded.
import '@orders/platform/instrument';
import { SERVICE_CONTRACTS } from '@orders/contracts';
import { serviceMain } from '@orders/runtime';
import { loadOrderConfig, SERVICE_NAME } from './config.js';
import { orderStep } from './consumers.js';
import { orderMigrations } from './migrations.js';
import { orderOpenApi } from './openapi.js';
import { orderPruning } from './repository.js';
import { mountConsole } from './console.js';
import { orderRoutes } from './routes.js';
import { SagaSweeper } from './saga-sweeper.js';

serviceMain({
  name: SERVICE_NAME,
  loadConfig: () => loadOrderConfig(),
  migrations: orderMigrations,
  consumes: SERVICE_CONTRACTS.order.consumes,
  step: orderStep,
  routes: (app, deps) => {
    orderRoutes(app, deps);
    mountConsole(app, deps.config.auth);
  },
  pruning: orderPruning,
  openapi: orderOpenApi,
  workers: ({ db, outbox, logger, metrics, config }) => [
    new SagaSweeper(db, outbox, logger, {
      intervalMs: config.sweepIntervalMs,
      compensationRetryMs: config.compensationRetryMs,
      compensationMaxRequests: config.compensationMaxRequests,
      stalled: metrics.compensationsStalled,
    }),
  ],
});
