import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677), computed
 * here so that the password itself never travels in an SQL statement, where a failing
 * statement would print it to the server's log.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** knex's record of applied migrations: the schema's owner alone writes it. */
const MIGRATION_TABLES = ['knex_migrations', 'knex_migrations_lock'];

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

export interface AppRole {
  user: string;
  password: string;
}

/**
 * Creates the role a service runs as, or brings it up to date: it may log in with
 * `password` (a changed password takes effect here) and may read and write the rows of
 * every table, but owns nothing and can change no schema. Run by `migrate`, as the
 * schema's owner, after the migrations.
 */
export async function ensureAppRole(db: Knex, role: AppRole, database: string): Promise<void> {
  const name = quoteIdent(role.user);
  await db.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: unknown[] }>('select 1 from pg_roles where rolname = ?', [role.user]);
    if (rows.length === 0) await trx.raw(`create role ${name}`);
    // No password (trust-only local servers): the role cannot log in with one.
    const password = role.password === '' ? 'null' : quoteLiteral(scramVerifier(role.password));
    await trx.raw(`alter role ${name} with login nosuperuser nocreatedb nocreaterole noinherit password ${password}`);
    await trx.raw(`grant connect on database ${quoteIdent(database)} to ${name}`);
    await trx.raw(`revoke create on schema public from public`);
    await trx.raw(`grant usage on schema public to ${name}`);
    await trx.raw(`grant select, insert, update, delete on all tables in schema public to ${name}`);
    await trx.raw(`grant usage, select on all sequences in schema public to ${name}`);
    await trx.raw(`revoke all on ${MIGRATION_TABLES.join(', ')} from ${name}`);
  });
}
