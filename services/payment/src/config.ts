import { SERVICE_CONTRACTS } from '@orders/contracts';
import { loadSeededServiceConfig, type SeededServiceConfig } from '@orders/runtime';

export const SERVICE_NAME = SERVICE_CONTRACTS.payment.serviceName;

export type PaymentConfig = SeededServiceConfig;

export const loadPaymentConfig = (source: NodeJS.ProcessEnv = process.env): PaymentConfig =>
  loadSeededServiceConfig(SERVICE_CONTRACTS.payment, source);
