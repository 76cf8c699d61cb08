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

export const SERVICE_NAME = SERVICE_CONTRACTS.order.serviceName;

export const orderEnvShape = {
  ...commonEnvShape,
  SAGA_TIMEOUT_MS: env.int(1000, 3_600_000),
  SAGA_SWEEP_INTERVAL_MS: env.int(50, 60_000),
  COMPENSATION_RETRY_MS: env.int(1000, 3_600_000),
};

export const orderEnvDefaults = {
  ...commonEnvDefaults,
  ...contractEnvDefaults(SERVICE_CONTRACTS.order),
  SAGA_TIMEOUT_MS: '30000',
  SAGA_SWEEP_INTERVAL_MS: '1000',
  COMPENSATION_RETRY_MS: '60000',
};

export interface OrderConfig extends CommonConfig {
  /** An order still PENDING or RESERVED this long after creation is cancelled (TIMEOUT). */
  sagaTimeoutMs: number;
  sweepIntervalMs: number;
  /** A CANCELLING order not settled after this long gets its OrderCancelled published again. */
  compensationRetryMs: number;
}

export function loadOrderConfig(source: NodeJS.ProcessEnv = process.env): OrderConfig {
  const e = readEnv(orderEnvShape, orderEnvDefaults, source);
  return {
    ...toCommonConfig(SERVICE_NAME, e),
    sagaTimeoutMs: e.SAGA_TIMEOUT_MS,
    sweepIntervalMs: e.SAGA_SWEEP_INTERVAL_MS,
    compensationRetryMs: e.COMPENSATION_RETRY_MS,
  };
}
