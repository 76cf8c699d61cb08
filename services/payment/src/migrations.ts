import { LIMITS } from '@orders/contracts';
import { type Migration } from '@orders/db';
import { sharedMigrations } from '@orders/messaging';

export const paymentMigrations: readonly Migration[] = [
  ...sharedMigrations,
  {
    name: '0100_accounts_and_payments',
    async up(knex) {
      await knex.schema.createTable('accounts', (t) => {
        t.text('customer_id').primary();
        t.bigInteger('balance_cents').notNullable();
        // Money conservation: deposited = balance + captured - refunded.
        t.bigInteger('deposited_cents').notNullable();
        t.bigInteger('captured_cents').notNullable().defaultTo(0);
        t.bigInteger('refunded_cents').notNullable().defaultTo(0);
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.raw('alter table accounts add constraint accounts_balance_non_negative check (balance_cents >= 0)');

      // One row per charged order: "no order is charged twice".
      await knex.schema.createTable('payments', (t) => {
        t.uuid('order_id').primary();
        t.text('customer_id').notNullable();
        t.bigInteger('amount_cents').notNullable();
        t.text('status').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.raw(`alter table payments add constraint payments_status_check check (status in ('CAPTURED','REFUNDED'))`);
      await knex.raw('create index payments_customer on payments (customer_id)');

      // Orders cancelled here: a reservation that arrives later is never charged.
      await knex.schema.createTable('cancelled_orders', (t) => {
        t.uuid('order_id').primary();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
    async down(knex) {
      await knex.schema.dropTable('cancelled_orders');
      await knex.schema.dropTable('payments');
      await knex.schema.dropTable('accounts');
    },
  },
  {
    // A balance stays below LIMITS.maxBalanceCents (exact as a JavaScript number); a deposit
    // past it answers 409.
    name: '0101_balance_limit',
    async up(knex) {
      await knex.raw(`alter table accounts add constraint accounts_balance_limit check (balance_cents <= ${LIMITS.maxBalanceCents})`);
    },
    async down(knex) {
      await knex.raw('alter table accounts drop constraint accounts_balance_limit');
    },
  },
  {
    // The pruner deletes tombstones past INBOX_RETENTION_MS; inserts come in time order.
    name: '0102_cancelled_orders_age',
    async up(knex) {
      await knex.raw('create index cancelled_orders_created_at on cancelled_orders using brin (created_at)');
    },
    async down(knex) {
      await knex.raw('drop index cancelled_orders_created_at');
    },
  },
];

/** What each check constraint guards, as a 409 LIMIT_EXCEEDED says it. */
export const paymentLimits: Readonly<Record<string, string>> = {
  accounts_balance_limit: `the balance would pass ${LIMITS.maxBalanceCents.toLocaleString('en')} cents`,
  accounts_balance_non_negative: 'the balance would go below zero',
};
