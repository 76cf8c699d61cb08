// First: with tracing on, http, express and pg must be patched before they are loaded.
import '@orders/shared/instrument';
import { serviceMain, TOPICS } from '@orders/shared';
import { loadOrderConfig, SERVICE_NAME } from './config.js';
import { orderEventHandler } from './consumers.js';
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
  consumes: [TOPICS.inventory, TOPICS.payment],
  handler: () => orderEventHandler(),
  routes: (app, deps) => {
    orderRoutes(app, deps);
    mountConsole(app);
  },
  pruning: orderPruning,
  openapi: orderOpenApi,
  workers: ({ db, logger, config }) => [
    new SagaSweeper(db, logger, { intervalMs: config.sweepIntervalMs, compensationRetryMs: config.compensationRetryMs }),
  ],
});
