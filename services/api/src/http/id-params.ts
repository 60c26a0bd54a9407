import { z } from 'zod';

/**
 * `:id` path parameter. Ids are UUIDs, but any short string is accepted here so that an
 * unknown or malformed id gets 404 NOT_FOUND from the store, as another tenant's id does.
 */
export const idParamsSchema = z.object({ id: z.string().min(1).max(200) }).strict();
