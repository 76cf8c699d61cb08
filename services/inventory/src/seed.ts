import type { Logger } from '@orders/platform';
import type { Knex } from 'knex';
import { putProduct } from './repository.js';

export const DEMO_PRODUCTS = [
  { sku: 'KEYBOARD-01', name: 'Mechanical keyboard', priceCents: 8999, available: 100 },
  { sku: 'MOUSE-01', name: 'Wireless mouse', priceCents: 2499, available: 250 },
  { sku: 'MONITOR-27', name: '27" monitor', priceCents: 27900, available: 40 },
  { sku: 'CABLE-USBC', name: 'USB-C cable', priceCents: 999, available: 1000 },
  { sku: 'LAST-ONE', name: 'Collector item (one in stock)', priceCents: 50000, available: 1 },
];

/** Demo catalogue; products that exist are left as they are, so re-running is harmless. */
export async function seedInventory(db: Knex, logger: Logger): Promise<void> {
  for (const product of DEMO_PRODUCTS) {
    // Without a version: created if absent, an existing one left as it is.
    if ((await putProduct(db, product.sku, product, { kind: 'none' })) !== 'exists') logger.info({ sku: product.sku }, 'demo product created');
  }
}
