import type { Knex } from 'knex';
import type { Role } from '@orders/runtime';
import { DECOY_HASH, hashPassword, verifyPassword } from './passwords.js';

export interface User {
  id: string;
  role: Role;
}

export async function findUser(db: Knex, id: string): Promise<User | undefined> {
  const row = await db('users').where({ id }).first('id', 'role');
  return row as User | undefined;
}

/** The user whose password this is; undefined for a wrong password or an unknown name (in the same time). */
export async function checkLogin(db: Knex, id: string, password: string): Promise<User | undefined> {
  const row = (await db('users').where({ id }).first('id', 'role', 'password_hash')) as (User & { password_hash: string }) | undefined;
  const matches = await verifyPassword(password, row?.password_hash ?? DECOY_HASH);
  return row && matches ? { id: row.id, role: row.role } : undefined;
}

/** Creates the login or sets its role and password; 'created' or 'updated'. */
export async function putUser(db: Knex, user: User, password: string): Promise<'created' | 'updated'> {
  const passwordHash = await hashPassword(password);
  const rows = (await db('users')
    .insert({ id: user.id, role: user.role, password_hash: passwordHash })
    .onConflict('id')
    .merge({ role: user.role, password_hash: passwordHash, updated_at: db.fn.now() })
    .returning(db.raw('(xmax = 0) as created'))) as { created: boolean }[];
  return rows[0]?.created ? 'created' : 'updated';
}
