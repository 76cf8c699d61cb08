import type { z } from 'zod';

export interface ValidationIssue {
  path: string;
  message: string;
}

/** A zod error as a flat list of `{path, message}`, the `details` of a 400 or a DLQ header. */
export function describeIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}
