import { loadSeededServiceConfig, SERVICE_CONTRACTS, seededServiceEnvShape, type SeededServiceConfig } from '@orders/shared';

export const SERVICE_NAME = SERVICE_CONTRACTS.payment.serviceName;

/** Every variable the payment service reads. */
export const paymentEnvShape = seededServiceEnvShape;

export type PaymentConfig = SeededServiceConfig;

export const loadPaymentConfig = (source: NodeJS.ProcessEnv = process.env): PaymentConfig =>
  loadSeededServiceConfig(SERVICE_CONTRACTS.payment, source);
