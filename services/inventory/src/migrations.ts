import { LIMITS } from '@orders/contracts';
import { type Migration } from '@orders/db';
import { sharedMigrations } from '@orders/messaging';

export const inventoryMigrations: readonly Migration[] = [
  ...sharedMigrations,
  {
    name: '0100_products_and_reservations',
    async up(knex) {
      await knex.schema.createTable('products', (t) => {
        t.text('sku').primary();
        t.text('name').notNullable();
        t.bigInteger('price_cents').notNullable();
        t.integer('available').notNullable();
        t.integer('reserved').notNullable().defaultTo(0);
        t.integer('sold').notNullable().defaultTo(0);
        // Everything ever put in (creation, replacement, restocks): the conservation check
        // is stock_in = available + reserved + sold.
        t.bigInteger('stock_in').notNullable();
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.raw(`alter table products add constraint products_non_negative
        check (available >= 0 and reserved >= 0 and sold >= 0 and price_cents >= 0)`);

      // One row per order ever seen: "no stock is reserved twice for one order".
      await knex.schema.createTable('reservations', (t) => {
        t.uuid('order_id').primary();
        t.text('status').notNullable();
        t.jsonb('items').notNullable();
        t.bigInteger('total_cents');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.raw(`alter table reservations add constraint reservations_status_check
        check (status in ('RESERVED','SOLD','RELEASED','REJECTED'))`);
    },
    async down(knex) {
      await knex.schema.dropTable('reservations');
      await knex.schema.dropTable('products');
    },
  },
  {
    // Stock counts up to LIMITS.maxStock, as 64-bit numbers; the limit is a check, so a
    // restock past it answers 409 instead of overflowing a 32-bit column.
    name: '0101_stock_limits',
    async up(knex) {
      await knex.raw(`alter table products
        alter column available type bigint, alter column reserved type bigint, alter column sold type bigint`);
      await knex.raw(`alter table products add constraint products_stock_limit
        check (available + reserved + sold <= ${LIMITS.maxStock} and price_cents <= ${LIMITS.maxPriceCents})`);
    },
    async down(knex) {
      await knex.raw('alter table products drop constraint products_stock_limit');
      await knex.raw(`alter table products
        alter column available type integer, alter column reserved type integer, alter column sold type integer`);
    },
  },
  {
    // The pruner deletes released and rejected reservations past INBOX_RETENTION_MS.
    name: '0102_finished_reservations_age',
    async up(knex) {
      await knex.raw(`create index reservations_finished_at on reservations (updated_at) where status in ('RELEASED','REJECTED')`);
    },
    async down(knex) {
      await knex.raw('drop index reservations_finished_at');
    },
  },
];

/** What each check constraint guards, as a 409 LIMIT_EXCEEDED says it. */
export const inventoryLimits: Readonly<Record<string, string>> = {
  products_stock_limit: `a product's stock would pass ${LIMITS.maxStock.toLocaleString('en')} units, or its price ${LIMITS.maxPriceCents.toLocaleString('en')} cents`,
  products_non_negative: "a product's stock or price would go below zero",
};
