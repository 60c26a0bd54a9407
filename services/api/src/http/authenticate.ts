import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from '@flow/shared/db/pool';
import { flowError } from '@flow/shared/errors/catalog';
import { authenticateApiKey, type Tenant } from '@flow/shared/tenants/tenant-store';

/** The tenant an API key belongs to, with the id of the key used. */
export type AuthenticatedTenant = Tenant & { apiKeyId: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** Tenant of the request's API key, set by the authentication hook on /api/v1 routes. */
    tenant: AuthenticatedTenant | null;
  }
}

export const API_KEY_HEADER = 'x-api-key';

/** Builds the onRequest hook that resolves `X-API-Key` to a tenant or rejects with 401. */
export function createAuthenticationHook(pool: Pool) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers[API_KEY_HEADER];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) {
      throw flowError('AUTH_MISSING_KEY', 'Missing API key. Send it in the X-API-Key header: "X-API-Key: krn_...".');
    }

    const tenant = await authenticateApiKey(pool, key.trim());
    if (!tenant) {
      throw flowError('AUTH_INVALID_KEY', 'The API key is invalid or revoked. Create a new one with "flow keys create --tenant <name>".');
    }
    request.tenant = tenant;
    request.log = request.log.child({ tenant_id: tenant.id });
  };
}

/** Returns the authenticated tenant of a request on an /api/v1 route. */
export function requireTenant(request: FastifyRequest): AuthenticatedTenant {
  if (!request.tenant) throw flowError('AUTH_MISSING_KEY', 'Missing API key. Send it in the X-API-Key header.');
  return request.tenant;
}
