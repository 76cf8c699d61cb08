// First: with tracing on, http, express and pg must be patched before they are loaded.
import '@orders/platform/instrument';
import { SERVICE_CONTRACTS } from '@orders/contracts';
import { serviceMain } from '@orders/runtime';
import { loadInventoryConfig, SERVICE_NAME } from './config.js';
import { inventoryStep } from './consumers.js';
import { inventoryLimits, inventoryMigrations } from './migrations.js';
import { inventoryOpenApi } from './openapi.js';
import { inventoryPruning } from './repository.js';
import { inventoryRoutes } from './routes.js';
import { seedInventory } from './seed.js';

serviceMain({
  name: SERVICE_NAME,
  loadConfig: () => loadInventoryConfig(),
  migrations: inventoryMigrations,
  limits: inventoryLimits,
  shouldSeed: (config) => config.demoSeed,
  seed: (db, _config, logger) => seedInventory(db, logger),
  consumes: SERVICE_CONTRACTS.inventory.consumes,
  step: inventoryStep,
  routes: inventoryRoutes,
  pruning: inventoryPruning,
  openapi: inventoryOpenApi,
});
