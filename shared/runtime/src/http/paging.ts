import { z } from 'zod';
import { badRequest } from '@orders/platform';

/** The most items one page holds (`limit`), and how many when the request does not say. */
export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 20;

const LIMIT_RULE = `limit is an integer from 1 to ${PAGE_LIMIT_MAX}`;

/** The query parameters of every paged list: `limit` (1–100) and the `cursor` of the page before. */
export const pageQuery = {
  limit: z
    .string()
    .regex(/^\d{1,3}$/, LIMIT_RULE)
    .transform(Number)
    .pipe(z.number().int().min(1, LIMIT_RULE).max(PAGE_LIMIT_MAX, LIMIT_RULE))
    .optional(),
  cursor: z.string().max(200).optional(),
};

/**
 * A cursor: the position after the last item of a page (a key of its list's order), opaque
 * to clients; `kind` names the list, so a cursor of one list is refused by another.
 */
export const encodeCursor = (kind: string, position: string | number) => Buffer.from(`${kind}:${position}`).toString('base64url');

/** The position a cursor holds, if this service issued it for this list (`valid` checks it); else 400 INVALID_CURSOR. */
export function decodeCursor(kind: string, cursor: string, valid: (position: string) => boolean): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const position = text.startsWith(`${kind}:`) ? text.slice(kind.length + 1) : undefined;
  if (position === undefined || !valid(position)) throw badRequest('INVALID_CURSOR', 'cursor is not one this service issued');
  return position;
}

/** A page as every list answers it: its items and the cursor of the next page (null on the last). */
export function pageOf<T>(rows: readonly T[], limit: number, positionOf: (row: T) => string | number, kind: string) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(kind, positionOf(last)) : null };
}
