import {
  commonEnvDefaults,
  commonEnvShape,
  contractEnvDefaults,
  env,
  readEnv,
  SERVICE_CONTRACTS,
  toCommonConfig,
  type CommonConfig,
} from '@orders/shared';

export const SERVICE_NAME = SERVICE_CONTRACTS.inventory.serviceName;

export const inventoryEnvShape = { ...commonEnvShape, DEMO_SEED: env.bool() };

export const inventoryEnvDefaults = {
  ...commonEnvDefaults,
  ...contractEnvDefaults(SERVICE_CONTRACTS.inventory),
  DEMO_SEED: 'false',
};

export interface InventoryConfig extends CommonConfig {
  demoSeed: boolean;
}

export function loadInventoryConfig(source: NodeJS.ProcessEnv = process.env): InventoryConfig {
  const e = readEnv(inventoryEnvShape, inventoryEnvDefaults, source);
  return { ...toCommonConfig(SERVICE_NAME, e), demoSeed: e.DEMO_SEED };
}
