import { Cents, CustomerId, LIMITS } from '@orders/contracts';
import { z } from 'zod';

export { CustomerId };
export const OrderId = z.uuid('an order id is a UUID');
export const SetBalanceBody = z.strictObject({ balanceCents: Cents.max(LIMITS.maxBalanceCents) });
export const DepositBody = z.strictObject({ amountCents: z.number().int().min(1).max(1_000_000_000_00) });
export const AccountSchema = z.object({ customerId: z.string(), balanceCents: z.number().int() });
export const PaymentSchema = z.object({
  orderId: z.uuid(),
  customerId: z.string(),
  amountCents: z.number().int(),
  status: z.enum(['CAPTURED', 'REFUNDED']),
});
