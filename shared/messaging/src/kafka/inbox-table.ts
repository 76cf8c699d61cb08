import type { Migration } from '@orders/db';

/** The consumer's inbox: the ids of the events each consumer group has applied. */
export const PROCESSED_MESSAGES_TABLE = 'processed_messages';

/** The inbox's rows past INBOX_RETENTION_MS (see Pruner). */
export const inboxPruning = (retentionMs: number) => ({ table: PROCESSED_MESSAGES_TABLE, timeColumn: 'processed_at', retentionMs });

/** Rows are inserted in time order, so a BRIN index finds the old ones at almost no cost per insert. */
export const inboxAgeMigration: Migration = {
  name: '0002_processed_messages_age',
  async up(knex) {
    await knex.raw(`create index processed_messages_processed_at on ${PROCESSED_MESSAGES_TABLE} using brin (processed_at)`);
  },
  async down(knex) {
    await knex.raw('drop index processed_messages_processed_at');
  },
};

export const inboxMigration: Migration = {
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
};
