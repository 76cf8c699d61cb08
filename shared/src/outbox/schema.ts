import type { Migration } from '../db/migrations.js';

export const OUTBOX_TABLE = 'outbox';
export const PROCESSED_MESSAGES_TABLE = 'processed_messages';
export const OUTBOX_CHANNEL = 'outbox_pending';

/**
 * The tables every service has: the transactional outbox and the record of processed
 * messages (idempotent consumer). Services put these first in their migration list.
 */
export const sharedMigrations: readonly Migration[] = [
  {
    name: '0000_outbox',
    async up(knex) {
      await knex.schema.createTable(OUTBOX_TABLE, (t) => {
        t.bigIncrements('id').primary();
        t.uuid('event_id').notNullable().unique();
        t.text('topic').notNullable();
        t.text('message_key').notNullable();
        t.text('event_type').notNullable();
        t.jsonb('envelope').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
    async down(knex) {
      await knex.schema.dropTable(OUTBOX_TABLE);
    },
  },
  {
    name: '0001_processed_messages',
    async up(knex) {
      await knex.schema.createTable(PROCESSED_MESSAGES_TABLE, (t) => {
        t.text('consumer_group').notNullable();
        t.uuid('event_id').notNullable();
        t.text('event_type').notNullable();
        t.text('topic').notNullable();
        t.integer('partition').notNullable();
        t.bigInteger('offset').notNullable();
        t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.primary(['consumer_group', 'event_id']);
      });
    },
    async down(knex) {
      await knex.schema.dropTable(PROCESSED_MESSAGES_TABLE);
    },
  },
];
