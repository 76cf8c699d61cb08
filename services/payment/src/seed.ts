import type { Logger } from '@orders/platform';
import type { Knex } from 'knex';
import { findAccount, setBalance } from './repository.js';

export const DEMO_ACCOUNTS = [
  { customerId: 'alice', balanceCents: 100_000 },
  { customerId: 'bob', balanceCents: 25_000 },
  { customerId: 'carol', balanceCents: 500 },
];

/** Demo customers; accounts that exist are left as they are, so re-running is harmless. */
export async function seedPayment(db: Knex, logger: Logger): Promise<void> {
  for (const account of DEMO_ACCOUNTS) {
    if (await findAccount(db, account.customerId)) continue;
    await setBalance(db, account.customerId, account.balanceCents);
    logger.info({ customerId: account.customerId }, 'demo account created');
  }
}
