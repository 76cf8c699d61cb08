import { type Migration } from '@orders/db';
import { sharedMigrations } from '@orders/messaging';

export const orderMigrations: readonly Migration[] = [
  ...sharedMigrations,
  {
    name: '0100_orders',
    async up(knex) {
      await knex.schema.createTable('orders', (t) => {
        t.uuid('id').primary();
        // Insertion sequence: the stable, unique sort key of the paged listing.
        t.bigIncrements('seq', { primaryKey: false }).unique();
        t.text('customer_id').notNullable();
        t.text('status').notNullable();
        t.text('reason');
        t.jsonb('items').notNullable();
        t.bigInteger('total_cents');
        t.text('correlation_id').notNullable();
        t.boolean('inventory_released').notNullable().defaultTo(false);
        t.boolean('payment_settled').notNullable().defaultTo(false);
        t.timestamp('deadline_at', { useTz: true, precision: 3 }).notNullable();
        t.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
        t.timestamp('updated_at', { useTz: true, precision: 3 }).notNullable();
      });
      await knex.raw(`alter table orders add constraint orders_status_check check (status in
        ('PENDING','RESERVED','CONFIRMED','REJECTED','CANCELLING','CANCELLED'))`);
      await knex.raw('create index orders_customer_seq on orders (customer_id, seq desc)');
      await knex.raw('create index orders_status_seq on orders (status, seq desc)');
      await knex.raw(`create index orders_open_deadline on orders (deadline_at) where status in ('PENDING','RESERVED')`);
      await knex.raw(`create index orders_cancelling on orders (updated_at) where status = 'CANCELLING'`);

      await knex.schema.createTable('idempotency_keys', (t) => {
        t.text('key').primary();
        t.text('request_hash').notNullable();
        t.uuid('order_id').notNullable();
        t.integer('response_status').notNullable();
        t.jsonb('response_body').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
    async down(knex) {
      await knex.schema.dropTable('idempotency_keys');
      await knex.schema.dropTable('orders');
    },
  },
  {
    // The pruner deletes keys past IDEMPOTENCY_KEY_RETENTION_MS; inserts come in time order.
    name: '0101_idempotency_keys_age',
    async up(knex) {
      await knex.raw('create index idempotency_keys_created_at on idempotency_keys using brin (created_at)');
    },
    async down(knex) {
      await knex.raw('drop index idempotency_keys_created_at');
    },
  },
  {
    // Every saga event of an order as the order service saw it: what the console shows.
    name: '0102_order_timeline',
    async up(knex) {
      await knex.schema.createTable('order_timeline', (t) => {
        t.bigIncrements('seq').primary();
        t.uuid('order_id').notNullable();
        t.text('event_type').notNullable();
        t.text('emitted_by').notNullable();
        t.timestamp('occurred_at', { useTz: true, precision: 3 }).notNullable();
        t.timestamp('recorded_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.raw('create index order_timeline_order on order_timeline (order_id, seq)');
    },
    async down(knex) {
      await knex.schema.dropTable('order_timeline');
    },
  },
  {
    // One index: the key (order_id, seq) serves the reads of an order's timeline, so the
    // insert of each noted event writes one index entry instead of two.
    name: '0103_order_timeline_by_order',
    async up(knex) {
      await knex.raw('alter table order_timeline drop constraint order_timeline_pkey');
      await knex.raw('alter table order_timeline add constraint order_timeline_pkey primary key (order_id, seq)');
      await knex.raw('drop index order_timeline_order');
    },
    async down(knex) {
      await knex.raw('create index order_timeline_order on order_timeline (order_id, seq)');
      await knex.raw('alter table order_timeline drop constraint order_timeline_pkey');
      await knex.raw('alter table order_timeline add constraint order_timeline_pkey primary key (seq)');
    },
  },
  {
    // Compensation asked again with a doubling wait, a limited number of times; then the
    // order is CANCEL_STALLED, for an operator (GET /orders?status=CANCEL_STALLED).
    name: '0104_compensation_follow_up',
    async up(knex) {
      await knex.raw('alter table orders add column compensation_requests smallint not null default 0');
      await knex.raw('alter table orders drop constraint orders_status_check');
      await knex.raw(`alter table orders add constraint orders_status_check check (status in
        ('PENDING','RESERVED','CONFIRMED','REJECTED','CANCELLING','CANCEL_STALLED','CANCELLED'))`);
    },
    async down(knex) {
      await knex.raw(`update orders set status = 'CANCELLING' where status = 'CANCEL_STALLED'`);
      await knex.raw('alter table orders drop constraint orders_status_check');
      await knex.raw(`alter table orders add constraint orders_status_check check (status in
        ('PENDING','RESERVED','CONFIRMED','REJECTED','CANCELLING','CANCELLED'))`);
      await knex.raw('alter table orders drop column compensation_requests');
    },
  },
];
