import { isUuid } from '../db/is-uuid.ts';
import type { Pool } from '../db/pool.ts';

/** An API key as the API lists it: never the key nor its hash. */
export interface ApiKeySummary {
  id: string;
  name: string;
  /** First 12 characters of the key, such as `krn_AbCdEfGh`, to tell keys apart. */
  keyPrefix: string;
  createdAt: string;
  revokedAt: string | null;
}

const summaryColumns = 'id, name, key_prefix AS "keyPrefix", created_at AS "createdAt", revoked_at AS "revokedAt"';

/** Lists a tenant's API keys, revoked ones included, oldest first. */
export async function listApiKeys(pool: Pool, tenantId: string, page: { limit: number; offset: number }): Promise<ApiKeySummary[]> {
  const result = await pool.query<ApiKeySummary>(
    `SELECT ${summaryColumns} FROM flow.api_keys WHERE tenant_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`,
    [tenantId, page.limit, page.offset],
  );
  return result.rows;
}

export async function getApiKey(pool: Pool, tenantId: string, id: string): Promise<ApiKeySummary | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<ApiKeySummary>(`SELECT ${summaryColumns} FROM flow.api_keys WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0];
}

/**
 * Revokes one of a tenant's API keys. Revoking a revoked key keeps its first revocation time.
 * Returns undefined when the tenant has no key with that id.
 */
export async function revokeTenantApiKey(pool: Pool, tenantId: string, id: string): Promise<ApiKeySummary | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<ApiKeySummary>(
    `UPDATE flow.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND id = $2 RETURNING ${summaryColumns}`,
    [tenantId, id],
  );
  return result.rows[0];
}
