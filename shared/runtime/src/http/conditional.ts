import type { Request, Response } from 'express';
import type { Precondition, Versioned } from '@orders/db';
import { AppError, badRequest } from '@orders/platform';

/**
 * Conditional writes (RFC 9110): a resource's version is its row's (see @orders/db's
 * versioned rows); a read answers it as the ETag, a whole-value write must name it in If-Match.
 */

/** The ETag of a version. */
export const etagOf = (version: string) => `"${version}"`;

export function sendVersioned(res: Response, versioned: Versioned<unknown>): void {
  res.setHeader('ETag', etagOf(versioned.version));
  res.json(versioned.value);
}

/** The answer to a whole-value write of `what`: the value written with its ETag, or 428 / 412. */
export function sendWritten(res: Response, what: string, written: Versioned<unknown> | 'exists' | 'stale'): void {
  if (written === 'exists') throw preconditionRequired(what);
  if (written === 'stale') throw preconditionFailed(what);
  sendVersioned(res, written);
}

/** The request's If-Match: absent, `*` (any current version), or one strong entity tag this service issued. */
export function preconditionOf(req: Request): Precondition {
  const header = req.headers['if-match'];
  if (header === undefined) return { kind: 'none' };
  const value = header.trim();
  if (value === '*') return { kind: 'any' };
  const match = /^"(\d{1,10})"$/.exec(value);
  if (!match) throw badRequest('INVALID_PRECONDITION', 'If-Match must be one entity tag this service sent in an ETag, or *');
  return { kind: 'version', version: match[1]! };
}

/** 428: the resource exists and the write named no version, so it could undo a change it never saw. */
const preconditionRequired = (what: string) =>
  new AppError(428, 'PRECONDITION_REQUIRED', `${what} exists: send If-Match with the ETag of your last read, so a change made since is not undone`);

/** 412: the version named is no longer the current one (or the resource is gone). */
const preconditionFailed = (what: string) =>
  new AppError(412, 'PRECONDITION_FAILED', `${what} changed since the version in If-Match: read it again, then write`);
