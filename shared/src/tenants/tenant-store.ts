import { createHash, randomBytes } from 'node:crypto';
import { isUuid } from '../db/is-uuid.ts';
import { inTransaction, type Pool } from '../db/pool.ts';
import { quoteIdent } from '../db/quote.ts';
import { flowError } from '../errors/catalog.ts';

export interface Tenant {
  id: string;
  name: string;
  schemaName: string;
}

export interface CreatedApiKey {
  id: string;
  /** The whole key; it is shown once and only its hash is stored. */
  key: string;
  keyPrefix: string;
}

const API_KEY_PREFIX = 'krn_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Tenant schema name: `t_` and the tenant name with every other character folded to `_`. */
export function tenantSchemaName(name: string): string {
  return `t_${name.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40)}`;
}

/** Creates a tenant and its PostgreSQL schema in one transaction. */
export async function createTenant(pool: Pool, name: string): Promise<Tenant> {
  if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/.test(name)) {
    throw flowError(
      'VALIDATION_FAILED',
      `Tenant name ${JSON.stringify(name)} is invalid: use 1 to 100 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit.`,
      { details: { field: 'name' } },
    );
  }
  const schemaName = tenantSchemaName(name);
  return inTransaction(pool, async (client) => {
    const inserted = await client.query<{ id: string }>(
      'INSERT INTO flow.tenants (name, schema_name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id',
      [name, schemaName],
    );
    const row = inserted.rows[0];
    if (!row) throw flowError('CONFLICT', `Tenant "${name}" already exists (or its schema "${schemaName}" is taken).`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemaName)}`);
    return { id: row.id, name, schemaName };
  });
}

export async function findTenantByName(pool: Pool, name: string): Promise<Tenant | undefined> {
  const result = await pool.query<Tenant>(
    'SELECT id, name, schema_name AS "schemaName" FROM flow.tenants WHERE name = $1',
    [name],
  );
  return result.rows[0];
}

export async function getTenant(pool: Pool, id: string): Promise<Tenant | undefined> {
  const result = await pool.query<Tenant>('SELECT id, name, schema_name AS "schemaName" FROM flow.tenants WHERE id = $1', [id]);
  return result.rows[0];
}

/** Creates an API key `krn_<43 base64url characters>` for a tenant and stores its SHA-256 hash. */
export async function createApiKey(pool: Pool, tenantId: string, name = 'default'): Promise<CreatedApiKey> {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const keyPrefix = key.slice(0, 12);
  const result = await pool.query<{ id: string }>(
    'INSERT INTO flow.api_keys (tenant_id, name, key_hash, key_prefix) VALUES ($1, $2, $3, $4) RETURNING id',
    [tenantId, name, hashApiKey(key), keyPrefix],
  );
  return { id: result.rows[0]!.id, key, keyPrefix };
}

/** Returns the tenant of a valid, unrevoked key, or undefined. */
export async function authenticateApiKey(pool: Pool, key: string): Promise<(Tenant & { apiKeyId: string }) | undefined> {
  if (!key.startsWith(API_KEY_PREFIX)) return undefined;
  const result = await pool.query<Tenant & { apiKeyId: string }>(
    `SELECT t.id, t.name, t.schema_name AS "schemaName", k.id AS "apiKeyId"
       FROM flow.api_keys k JOIN flow.tenants t ON t.id = k.tenant_id
      WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
    [hashApiKey(key)],
  );
  return result.rows[0];
}

/** Revokes an API key. Returns the key's tenant id, or undefined when no unrevoked key has that id. */
export async function revokeApiKey(pool: Pool, keyId: string): Promise<{ tenantId: string } | undefined> {
  if (!isUuid(keyId)) return undefined;
  const result = await pool.query<{ tenantId: string }>(
    'UPDATE flow.api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING tenant_id AS "tenantId"',
    [keyId],
  );
  return result.rows[0];
}
