import { commonEnvDefaults, commonEnvShape, env, readEnv, toCommonConfig, type CommonConfig } from '@orders/shared';

export const SERVICE_NAME = 'payment-service';

export const paymentEnvShape = { ...commonEnvShape, DEMO_SEED: env.bool() };

export const paymentEnvDefaults = {
  ...commonEnvDefaults,
  HTTP_PORT: '3002',
  DB_NAME: 'payment_service',
  KAFKA_CLIENT_ID: SERVICE_NAME,
  DEMO_SEED: 'false',
};

export interface PaymentConfig extends CommonConfig {
  demoSeed: boolean;
}

export function loadPaymentConfig(source: NodeJS.ProcessEnv = process.env): PaymentConfig {
  const e = readEnv(paymentEnvShape, paymentEnvDefaults, source);
  return { ...toCommonConfig(SERVICE_NAME, e), demoSeed: e.DEMO_SEED };
}
