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

export const SERVICE_NAME = SERVICE_CONTRACTS.payment.serviceName;

export const paymentEnvShape = { ...commonEnvShape, DEMO_SEED: env.bool() };

export const paymentEnvDefaults = {
  ...commonEnvDefaults,
  ...contractEnvDefaults(SERVICE_CONTRACTS.payment),
  DEMO_SEED: 'false',
};

export interface PaymentConfig extends CommonConfig {
  demoSeed: boolean;
}

export function loadPaymentConfig(source: NodeJS.ProcessEnv = process.env): PaymentConfig {
  const e = readEnv(paymentEnvShape, paymentEnvDefaults, source);
  return { ...toCommonConfig(SERVICE_NAME, e), demoSeed: e.DEMO_SEED };
}
