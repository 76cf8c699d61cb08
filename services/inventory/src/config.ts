import { SERVICE_CONTRACTS } from '@orders/contracts';
import { loadSeededServiceConfig, type SeededServiceConfig } from '@orders/runtime';

export const SERVICE_NAME = SERVICE_CONTRACTS.inventory.serviceName;

export type InventoryConfig = SeededServiceConfig;

export const loadInventoryConfig = (source: NodeJS.ProcessEnv = process.env): InventoryConfig =>
  loadSeededServiceConfig(SERVICE_CONTRACTS.inventory, source);
