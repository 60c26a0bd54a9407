import type { FlowConfig } from '../config/env.ts';
import { decryptSecret, encryptSecret } from '../crypto/secret-box.ts';
import { isUuid } from '../datasets/dataset-store.ts';
import type { Pool } from '../db/pool.ts';
import { flowError, notFound } from '../errors/catalog.ts';
import type { S3ConnectorSecrets, S3ConnectorSettings } from './s3-connector.ts';

/** A connector as the API returns it: settings only, never secrets. */
export interface Connector {
  id: string;
  tenantId: string;
  name: string;
  type: 's3' | 'postgres';
  config: S3ConnectorSettings;
  verifiedAt: string | null;
  createdAt: string;
}

const selectConnector = `SELECT id, tenant_id AS "tenantId", name, type, config, verified_at AS "verifiedAt", created_at AS "createdAt"
  FROM flow.connectors`;

export async function insertConnector(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_SECRET_KEY'>,
  connector: { tenantId: string; name: string; type: 's3'; settings: S3ConnectorSettings; secrets: S3ConnectorSecrets; verified: boolean },
): Promise<Connector> {
  const sealed = Object.keys(connector.secrets).length > 0 ? encryptSecret(connector.secrets, config.FLOW_SECRET_KEY) : null;
  const result = await pool.query<Connector>(
    `INSERT INTO flow.connectors (tenant_id, name, type, config, secret_ciphertext, verified_at)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)
     ON CONFLICT (tenant_id, name) DO NOTHING
     RETURNING id, tenant_id AS "tenantId", name, type, config, verified_at AS "verifiedAt", created_at AS "createdAt"`,
    [connector.tenantId, connector.name, connector.type, JSON.stringify(connector.settings), sealed, connector.verified],
  );
  if (!result.rows[0]) throw flowError('CONFLICT', `Connector "${connector.name}" already exists.`, { details: { field: 'name' } });
  return result.rows[0];
}

export async function getConnector(pool: Pool, tenantId: string, id: string): Promise<Connector | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<Connector>(`${selectConnector} WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0];
}

/** Lists the connectors of a tenant, oldest first. Without `page` it returns them all. */
export async function listConnectors(pool: Pool, tenantId: string, page?: { limit: number; offset: number }): Promise<Connector[]> {
  const result = await pool.query<Connector>(`${selectConnector} WHERE tenant_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`, [
    tenantId,
    page?.limit ?? null,
    page?.offset ?? 0,
  ]);
  return result.rows;
}

/** Sets a connector's verified_at to now and returns the updated connector. */
export async function markConnectorVerified(pool: Pool, tenantId: string, id: string): Promise<Connector | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<Connector>(
    `UPDATE flow.connectors SET verified_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2
     RETURNING id, tenant_id AS "tenantId", name, type, config, verified_at AS "verifiedAt", created_at AS "createdAt"`,
    [tenantId, id],
  );
  return result.rows[0];
}

/** Loads a connector with its decrypted secrets, for the services that connect with it. */
export async function loadConnectorWithSecrets(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_SECRET_KEY'>,
  tenantId: string,
  id: string,
): Promise<{ connector: Connector; secrets: S3ConnectorSecrets }> {
  if (!isUuid(id)) throw notFound('Connector', id);
  const result = await pool.query<Connector & { secretCiphertext: string | null }>(
    `SELECT id, tenant_id AS "tenantId", name, type, config, verified_at AS "verifiedAt", created_at AS "createdAt",
            secret_ciphertext AS "secretCiphertext"
       FROM flow.connectors WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  const row = result.rows[0];
  if (!row) throw notFound('Connector', id);
  const { secretCiphertext, ...connector } = row;
  const secrets = secretCiphertext ? decryptSecret<S3ConnectorSecrets>(secretCiphertext, config.FLOW_SECRET_KEY) : {};
  return { connector, secrets };
}
