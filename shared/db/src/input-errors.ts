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

export function inputErrorOf(error: unknown): InputError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code.startsWith('22')) return { status: 400, code: 'INVALID_VALUE', message: 'a value is outside what the service can store' };
  if (code === '23514') {
    const constraint = (error as { constraint?: unknown }).constraint;
    return { status: 409, code: 'LIMIT_EXCEEDED', message: `the change would break a limit${typeof constraint === 'string' ? ` (${constraint})` : ''}` };
  }
  return undefined;
}
