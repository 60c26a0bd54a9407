import { z } from 'zod';

/** Largest page a list endpoint returns. */
export const MAX_PAGE_SIZE = 500;

/** Page size used when the request names none. */
export const DEFAULT_PAGE_SIZE = 50;

/** `limit` and `offset` query parameters shared by every list endpoint. */
export const paginationShape = {
  /** Items per page, 1 to 500. Default 50. */
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  /** Items to skip before the page starts. Default 0. */
  offset: z.coerce.number().int().min(0).default(0),
};

export const paginationQuerySchema = z.object(paginationShape).strict();

export type Page = z.output<typeof paginationQuerySchema>;
