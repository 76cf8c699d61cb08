import { loadSeededServiceConfig, SERVICE_CONTRACTS, type SeededServiceConfig } from '@orders/shared';

export const SERVICE_NAME = SERVICE_CONTRACTS.payment.serviceName;

export type PaymentConfig = SeededServiceConfig;

export const loadPaymentConfig = (source: NodeJS.ProcessEnv = process.env): PaymentConfig =>
  loadSeededServiceConfig(SERVICE_CONTRACTS.payment, source);
