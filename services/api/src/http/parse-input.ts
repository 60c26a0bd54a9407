import type { z } from 'zod';
import { flowError } from '@flow/shared/errors/catalog';

/** Part of the request a value came from, named in validation errors. */
export type InputLocation = 'body' | 'params' | 'query';

/** One invalid field: its dotted path inside the body, params or query, and what is wrong. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Converts zod issues to `{ path, message }` pairs with dotted paths such as `fields.0.type`. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/**
 * Parses one part of a request with a zod schema, filling defaults. Throws VALIDATION_FAILED
 * listing every invalid field when the value does not match.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, location: InputLocation): z.output<Schema> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;

  const issues = toValidationIssues(result.error);
  const first = issues[0];
  const where = first?.path ? `${location}.${first.path}` : location;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw flowError('VALIDATION_FAILED', `Invalid request ${where}: ${first?.message ?? 'invalid value'}${more}.`, {
    details: { location, issues },
  });
}
