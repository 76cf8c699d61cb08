/**
 * PostgreSQL errors a request's values can cause, told by SQLSTATE (pg's DatabaseError
 * carries it as `code`): they are the client's, so they answer 4xx, never 500.
 *   class 22 (data exception: a number out of range, a character the encoding refuses,
 *   a string too long …) → 400 INVALID_VALUE
 *   23514 (a check constraint, such as a stock or balance limit) → 409 LIMIT_EXCEEDED
 */
export interface InputError {
  status: 400 | 409;
  code: 'INVALID_VALUE' | 'LIMIT_EXCEEDED';
  message: string;
}

/**
 * `limits` says, for each check constraint of the service's tables, what it guards in the
 * domain's words; the answer never names a table or a constraint.
 */
export function inputErrorOf(error: unknown, limits: Readonly<Record<string, string>> = {}): InputError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code.startsWith('22')) return { status: 400, code: 'INVALID_VALUE', message: 'a value is outside what the service can store' };
  if (code === '23514') {
    const constraint = (error as { constraint?: unknown }).constraint;
    const what = typeof constraint === 'string' && Object.hasOwn(limits, constraint) ? limits[constraint] : undefined;
    return { status: 409, code: 'LIMIT_EXCEEDED', message: what ?? 'the change would pass a limit of the service' };
  }
  return undefined;
}
