import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '@flow/shared/errors/catalog';
import { getLatestLagSnapshot, LAG_SAMPLE_RETENTION_MINUTES, listLagHistory, listLatestLagSnapshots } from '@flow/shared/lag/lag-sample-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { parseInput } from '../http/parse-input.ts';

const lagHistoryQuerySchema = z
  .object({
    /** Minutes of history to return, 1 to 60 (the samples' retention). Default 60. */
    minutes: z.coerce.number().int().min(1).max(LAG_SAMPLE_RETENTION_MINUTES).default(60),
  })
  .strict();

const groupParamsSchema = z.object({ group: z.string().min(1).max(255) }).strict();

/**
 * Consumer-group lag as the lag monitor stored it in its newest refresh. Consumer groups are
 * shared by every tenant, so any valid API key may read them.
 */
export function registerStreamLagRoutes(app: FastifyInstance, { context }: ApiDependencies): void {
  const { pool } = context;

  app.get('/streams/lag', async (request) => {
    requireTenant(request);
    const groups = await listLatestLagSnapshots(pool);
    return { sampledAt: groups[0]?.sampledAt ?? null, groups };
  });

  app.get('/streams/lag/history', async (request) => {
    requireTenant(request);
    const { minutes } = parseInput(lagHistoryQuerySchema, request.query, 'query');
    const history = await listLagHistory(pool, minutes);
    return { minutes, groups: [...history].map(([groupId, points]) => ({ groupId, points })) };
  });

  app.get('/streams/lag/:group', async (request) => {
    requireTenant(request);
    const { group } = parseInput(groupParamsSchema, request.params, 'params');
    const snapshot = await getLatestLagSnapshot(pool, group);
    if (!snapshot) throw notFound('Consumer group', group);
    return { group: snapshot };
  });
}
