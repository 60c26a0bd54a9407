import type { FastifyInstance } from 'fastify';
import { requireTenant } from '../http/authenticate.ts';

/** `GET /whoami`: the tenant the request's API key belongs to, so a client can check that its key is the one it expects. */
export function registerWhoamiRoute(app: FastifyInstance): void {
  app.get('/whoami', async (request) => {
    const tenant = requireTenant(request);
    return { tenantId: tenant.id, tenantName: tenant.name };
  });
}
