import { statement, type Statement } from './statement-batch.js';

/**
 * Serialises transactions on business keys (e.g. order ids) until commit or rollback, in
 * one statement. The locks are taken in hash order, the same order for every caller, so
 * two transactions locking overlapping sets cannot deadlock.
 */
export const lockKeys = (keys: readonly string[]): Statement =>
  statement(
    `select count(pg_advisory_xact_lock(k.hash)) from (
       select distinct hashtextextended(key, 0) as hash from unnest(?::text[]) as key order by 1
     ) as k`,
    [[...keys]],
  );
