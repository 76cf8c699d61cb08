import { commonEnvDefaults, commonEnvShape, env, readEnv, toCommonConfig, type CommonConfig } from '@orders/shared';

export const SERVICE_NAME = 'inventory-service';

export const inventoryEnvShape = { ...commonEnvShape, DEMO_SEED: env.bool() };

export const inventoryEnvDefaults = {
  ...commonEnvDefaults,
  HTTP_PORT: '3003',
  DB_NAME: 'inventory_service',
  KAFKA_CLIENT_ID: SERVICE_NAME,
  DEMO_SEED: 'false',
};

export interface InventoryConfig extends CommonConfig {
  demoSeed: boolean;
}

export function loadInventoryConfig(source: NodeJS.ProcessEnv = process.env): InventoryConfig {
  const e = readEnv(inventoryEnvShape, inventoryEnvDefaults, source);
  return { ...toCommonConfig(SERVICE_NAME, e), demoSeed: e.DEMO_SEED };
}
