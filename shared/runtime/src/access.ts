/** The two kinds of people the system knows. */
export const ROLES = ['customer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** Who sent a request, as its verified access token says. */
export interface Principal {
  /** The token's `sub`: for a customer, the customer id that orders and accounts carry. */
  subject: string;
  role: Role;
}

/**
 * Whether `who` may act on what belongs to customer `owner`: the customer itself, or an
 * operator (who manages every account and reads every order).
 */
export const mayActFor = (who: Principal, owner: string): boolean => who.role === 'operator' || who.subject === owner;

/** Whether `who` may act as customer `customerId` (placing an order spends its money): only that customer. */
export const isCustomer = (who: Principal, customerId: string): boolean => who.role === 'customer' && who.subject === customerId;
