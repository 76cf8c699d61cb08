// First: with tracing on, http, express and pg must be patched before they are loaded.
import '@orders/platform/instrument';
import { SERVICE_CONTRACTS } from '@orders/contracts';
import { serviceMain } from '@orders/runtime';
import { loadPaymentConfig, SERVICE_NAME } from './config.js';
import { paymentStep } from './consumers.js';
import { paymentLimits, paymentMigrations } from './migrations.js';
import { paymentOpenApi } from './openapi.js';
import { paymentPruning } from './repository.js';
import { paymentRoutes } from './routes.js';
import { seedPayment } from './seed.js';

serviceMain({
  name: SERVICE_NAME,
  loadConfig: () => loadPaymentConfig(),
  migrations: paymentMigrations,
  limits: paymentLimits,
  shouldSeed: (config) => config.demoSeed,
  seed: (db, _config, logger) => seedPayment(db, logger),
  consumes: SERVICE_CONTRACTS.payment.consumes,
  step: paymentStep,
  routes: paymentRoutes,
  pruning: paymentPruning,
  openapi: paymentOpenApi,
});
