/** The one error shape of every answer: `{"error":{"code","message","details"?}}`. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
