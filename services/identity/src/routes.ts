import type { Express } from 'express';
import type { Knex } from 'knex';
import { asOperator, jsonBody, parse } from '@orders/runtime';
import { PutUserBody, UserId } from './schemas.js';
import { putUser } from './users.js';

/** Operators give customers (and other operators) their logins. */
export function userRoutes(app: Express, db: Knex): void {
  app.put('/users/:id', async (req, res) => {
    asOperator(req);
    const id = parse(UserId, req.params.id, 'user id');
    const { password, role } = jsonBody(PutUserBody, req.body);
    const outcome = await putUser(db, { id, role }, password);
    res.status(outcome === 'created' ? 201 : 200).json({ id, role });
  });
}
