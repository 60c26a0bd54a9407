import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '@flow/shared/errors/catalog';
import { getApiKey, listApiKeys, revokeTenantApiKey } from '@flow/shared/tenants/api-key-store';
import { createApiKey } from '@flow/shared/tenants/tenant-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { idParamsSchema } from '../http/id-params.ts';
import { paginationQuerySchema } from '../http/pagination.ts';
import { parseInput } from '../http/parse-input.ts';

/** `POST /api-keys` body: a label to tell the key apart from the tenant's others. */
export const createApiKeyBodySchema = z
  .object({
    /** Label stored with the key. Default "default". */
    name: z.string().min(1).max(200).default('default'),
  })
  .strict();

/** API keys of the caller's tenant: create (the key is returned once), list, revoke. */
export function registerApiKeyRoutes(app: FastifyInstance, { context }: ApiDependencies): void {
  const { pool } = context;

  app.post('/api-keys', async (request, reply) => {
    const tenant = requireTenant(request);
    const body = parseInput(createApiKeyBodySchema, request.body, 'body');
    const created = await createApiKey(pool, tenant.id, body.name);
    const summary = await getApiKey(pool, tenant.id, created.id);
    request.log.info({ api_key_id: created.id, by_api_key_id: tenant.apiKeyId }, 'api key created');
    return reply.status(201).send({ apiKey: summary, key: created.key });
  });

  app.get('/api-keys', async (request) => {
    const tenant = requireTenant(request);
    const page = parseInput(paginationQuerySchema, request.query, 'query');
    const apiKeys = await listApiKeys(pool, tenant.id, page);
    return { apiKeys, limit: page.limit, offset: page.offset };
  });

  app.delete('/api-keys/:id', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const revoked = await revokeTenantApiKey(pool, tenant.id, id);
    if (!revoked) throw notFound('API key', id);
    request.log.info({ api_key_id: id, by_api_key_id: tenant.apiKeyId }, 'api key revoked');
    return { apiKey: revoked };
  });
}
