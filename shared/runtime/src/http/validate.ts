import { z } from 'zod';
import { AppError } from '@orders/platform';
import { describeIssues } from '@orders/platform';

/** Parses request input with a schema; a mismatch is a 400 that lists every problem. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError(
    400,
    'VALIDATION_FAILED',
    `${what} is invalid`,
    describeIssues(result.error),
  );
}

/** A JSON request body must be an object; this makes an absent body a clear 400, too. */
export const jsonBody = <S extends z.ZodType>(schema: S, body: unknown) => parse(schema, body ?? null, 'request body');
