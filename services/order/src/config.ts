import { commonEnvShape, env, loadServiceEnv, SERVICE_CONTRACTS, type CommonConfig } from '@orders/shared';

export const SERVICE_NAME = SERVICE_CONTRACTS.order.serviceName;

const sagaEnvShape = {
  SAGA_TIMEOUT_MS: env.int(1000, 3_600_000),
  SAGA_SWEEP_INTERVAL_MS: env.int(50, 60_000),
  COMPENSATION_RETRY_MS: env.int(1000, 3_600_000),
};

/** Every variable the order service reads. */
export const orderEnvShape = { ...commonEnvShape, ...sagaEnvShape };

export interface OrderConfig extends CommonConfig {
  /** An order still PENDING or RESERVED this long after creation is cancelled (TIMEOUT). */
  sagaTimeoutMs: number;
  sweepIntervalMs: number;
  /** A CANCELLING order not settled after this long gets its OrderCancelled published again. */
  compensationRetryMs: number;
}

export function loadOrderConfig(source: NodeJS.ProcessEnv = process.env): OrderConfig {
  const { common, values } = loadServiceEnv(
    SERVICE_CONTRACTS.order,
    sagaEnvShape,
    { SAGA_TIMEOUT_MS: '30000', SAGA_SWEEP_INTERVAL_MS: '1000', COMPENSATION_RETRY_MS: '60000' },
    source,
  );
  return {
    ...common,
    sagaTimeoutMs: values.SAGA_TIMEOUT_MS,
    sweepIntervalMs: values.SAGA_SWEEP_INTERVAL_MS,
    compensationRetryMs: values.COMPENSATION_RETRY_MS,
  };
}
