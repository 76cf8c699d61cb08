/**
 * Errors with an HTTP meaning. The HTTP error handler turns them into
 * `{"error":{"code","message","details"?}}`; anything else is a 500 without details.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string) =>
  new AppError(404, 'NOT_FOUND', `${what} ${JSON.stringify(id)} was not found`);

export const conflict = (code: string, message: string, details?: unknown) =>
  new AppError(409, code, message, details);

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);
