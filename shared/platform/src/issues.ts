import type { z } from 'zod';

export interface ValidationIssue {
  path: string;
  message: string;
}

/** The most problems one answer lists, and the longest path or message it echoes. */
export const MAX_ISSUES = 10;
const MAX_PATH = 100;
const MAX_MESSAGE = 200;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A zod error as a flat list of `{path, message}`, the `details` of a 400 or a DLQ header:
 * the first MAX_ISSUES problems, each path and message cut short, then one line saying how
 * many more there were — so a large bad body never gets a large answer.
 */
export function describeIssues(error: z.ZodError): ValidationIssue[] {
  const listed = error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: cut(issue.path.map(String).join('.') || '(root)', MAX_PATH),
    message: cut(issue.message, MAX_MESSAGE),
  }));
  const more = error.issues.length - listed.length;
  return more > 0 ? [...listed, { path: '(more)', message: `${more} more problem${more === 1 ? '' : 's'}` }] : listed;
}
