import { loadSeededServiceConfig, SERVICE_CONTRACTS, seededServiceEnvShape, type SeededServiceConfig } from '@orders/shared';

export const SERVICE_NAME = SERVICE_CONTRACTS.inventory.serviceName;

/** Every variable the inventory service reads. */
export const inventoryEnvShape = seededServiceEnvShape;

export type InventoryConfig = SeededServiceConfig;

export const loadInventoryConfig = (source: NodeJS.ProcessEnv = process.env): InventoryConfig =>
  loadSeededServiceConfig(SERVICE_CONTRACTS.inventory, source);
