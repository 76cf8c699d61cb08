import type { Migration } from '@orders/db';

export const OUTBOX_TABLE = 'outbox';
/** Channel of the NOTIFY that tells the relay new events are committed. */
export const OUTBOX_CHANNEL = 'outbox_pending';

/** The transactional outbox: events written in the transaction of their state change. */
export const outboxMigration: Migration = {
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
};

/** The W3C traceparent of the request or event that wrote the row; null when tracing is off. */
export const outboxTraceMigration: Migration = {
  name: '0003_outbox_trace_context',
  async up(knex) {
    await knex.schema.alterTable(OUTBOX_TABLE, (t) => t.text('trace_context'));
  },
  async down(knex) {
    await knex.schema.alterTable(OUTBOX_TABLE, (t) => t.dropColumn('trace_context'));
  },
};
