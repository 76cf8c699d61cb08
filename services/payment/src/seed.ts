import type { Logger } from '@orders/platform';
import type { Knex } from 'knex';
import { putAccount } from './repository.js';

export const DEMO_ACCOUNTS = [
  { customerId: 'alice', balanceCents: 100_000 },
  { customerId: 'bob', balanceCents: 25_000 },
  { customerId: 'carol', balanceCents: 500 },
];

/** Demo customers; accounts that exist are left as they are, so re-running is harmless. */
export async function seedPayment(db: Knex, logger: Logger): Promise<void> {
  for (const account of DEMO_ACCOUNTS) {
    // Without a version: created if absent, an existing one left as it is.
    if ((await putAccount(db, account.customerId, account.balanceCents, { kind: 'none' })) === 'exists') continue;
    logger.info({ customerId: account.customerId }, 'demo account created');
  }
}
