import type { CANCEL_REASONS, INVENTORY_REJECT_REASONS, PAYMENT_FAIL_REASONS } from '@orders/shared';

export const ORDER_STATUSES = ['PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLING', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderReason =
  | (typeof CANCEL_REASONS)[number]
  | (typeof INVENTORY_REJECT_REASONS)[number]
  | (typeof PAYMENT_FAIL_REASONS)[number];

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number | null;
}

/** An order as the API shows it (SPEC §4). */
export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  reason: OrderReason | null;
  items: OrderLine[];
  totalCents: number | null;
  createdAt: string;
  updatedAt: string;
}

/** Statuses from which the saga can still move on its own. */
export const OPEN_STATUSES: readonly OrderStatus[] = ['PENDING', 'RESERVED'];

/** A customer may cancel anything not already rejected or cancelled (SPEC §2.5). */
export function cancellable(status: OrderStatus): 'cancel' | 'already-cancelling' | 'final' {
  if (status === 'REJECTED' || status === 'CANCELLED') return 'final';
  if (status === 'CANCELLING') return 'already-cancelling';
  return 'cancel';
}
