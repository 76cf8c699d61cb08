import type { Migration } from '@orders/db';

export const identityMigrations: readonly Migration[] = [
  {
    name: '0100_users',
    async up(knex) {
      await knex.schema.createTable('users', (t) => {
        t.text('id').primary();
        t.text('role').notNullable();
        t.text('password_hash').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.raw(`alter table users add constraint users_role_check check (role in ('customer','operator'))`);
    },
    async down(knex) {
      await knex.schema.dropTable('users');
    },
  },
  {
    // What the OpenID Connect provider keeps between requests: logins in progress, sessions,
    // grants, authorization codes. Access tokens are signed JWTs and are not stored.
    name: '0101_oidc_payloads',
    async up(knex) {
      await knex.schema.createTable('oidc_payloads', (t) => {
        t.text('model').notNullable();
        t.text('id').notNullable();
        t.jsonb('payload').notNullable();
        t.text('grant_id');
        t.text('uid');
        t.text('user_code');
        t.timestamp('consumed_at', { useTz: true });
        t.timestamp('expires_at', { useTz: true });
        t.primary(['model', 'id']);
      });
      await knex.raw('create index oidc_payloads_grant on oidc_payloads (grant_id) where grant_id is not null');
      await knex.raw('create index oidc_payloads_uid on oidc_payloads (uid) where uid is not null');
      await knex.raw('create index oidc_payloads_expiry on oidc_payloads (expires_at)');
    },
    async down(knex) {
      await knex.schema.dropTable('oidc_payloads');
    },
  },
  {
    // The issuer's signing key and cookie key, made by `migrate` (see keys.ts).
    name: '0102_issuer_keys',
    async up(knex) {
      await knex.schema.createTable('issuer_keys', (t) => {
        t.text('name').primary();
        t.text('value').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
    async down(knex) {
      await knex.schema.dropTable('issuer_keys');
    },
  },
];
